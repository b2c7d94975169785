/** Choose the step a panel shows among the steps its key was logged at; "latest" by default. */

import type { LoggedValue } from "./api";

interface Props {
  values: readonly LoggedValue[];
  step: number | null;
  onStep: (step: number | null) => void;
}

export function StepSelect({ values, step, onStep }: Props) {
  const steps = [...new Set(values.map((v) => v.step))];
  if (steps.length <= 1 && step === null) return null;
  const known = step === null || steps.includes(step) ? steps : [...steps, step].sort((a, b) => a - b);
  return (
    <label className="tp-control">
      <span>Step</span>
      <select
        aria-label="Step"
        value={step === null ? "" : String(step)}
        onChange={(e) => {
          onStep(e.target.value === "" ? null : Number(e.target.value));
        }}
      >
        <option value="">latest{steps.length > 0 ? ` (${steps[steps.length - 1] ?? ""})` : ""}</option>
        {known
          .slice()
          .reverse()
          .map((s) => (
            <option key={s} value={String(s)}>
              {s}
            </option>
          ))}
      </select>
    </label>
  );
}
