/** The step slider shared by the media panels: a range over the key's steps, ← / → buttons that
 * move to the previous / next logged step, and the step number. */

interface Props {
  label: string;
  bounds: { lo: number; hi: number };
  step: number;
  onStep: (step: number) => void;
  onMove: (direction: 1 | -1) => void;
}

export function StepSlider({ label, bounds, step, onStep, onMove }: Props) {
  return (
    <div className="media-slider">
      <button type="button" className="icon-button" aria-label={`Previous step of ${label}`} disabled={step <= bounds.lo} onClick={() => { onMove(-1); }}>
        ←
      </button>
      <input
        type="range"
        aria-label={`Step of ${label}`}
        min={bounds.lo}
        max={bounds.hi}
        step={1}
        value={step}
        disabled={bounds.lo === bounds.hi}
        onChange={(e) => {
          onStep(Number(e.currentTarget.value));
        }}
      />
      <button type="button" className="icon-button" aria-label={`Next step of ${label}`} disabled={step >= bounds.hi} onClick={() => { onMove(1); }}>
        →
      </button>
      <span className="media-step" aria-live="polite">
        step {step}
      </span>
    </div>
  );
}

/** ← / → anywhere in the panel (the slider included, its own ±1 replaced) move between logged steps. */
export function stepKeys(onMove: (direction: 1 | -1) => void) {
  return (e: React.KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const target = e.target as HTMLElement;
    if (target instanceof HTMLInputElement && target.type !== "range") return;
    e.preventDefault();
    onMove(e.key === "ArrowLeft" ? -1 : 1);
  };
}
