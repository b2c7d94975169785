import { useEffect, useState } from "react";
import { nameSearchOf, withNameSearch } from "./filter/search";

const DEBOUNCE_MS = 300;

/**
 * "Search runs by name": keeps a `name contains "..."` clause of the URL's filter in step with the
 * box. `onChange` should be stable (a new one restarts the debounce).
 */
export function RunSearch({ expression, onChange }: { expression: string; onChange: (expression: string) => void }) {
  const current = nameSearchOf(expression);
  const [text, setText] = useState(current);
  const [shown, setShown] = useState(current);
  if (shown !== current) {
    // the filter changed elsewhere (typed, back button, Clear): show its search
    setShown(current);
    setText(current);
  }
  useEffect(() => {
    if (text === current || (text.trim() === "" && current === "")) return;
    const timer = setTimeout(() => {
      onChange(withNameSearch(expression, text));
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [text, current, expression, onChange]);

  return (
    <input
      type="search"
      className="run-search"
      aria-label="Search runs by name"
      placeholder="Search runs by name"
      value={text}
      spellCheck={false}
      onChange={(e) => {
        setText(e.target.value);
      }}
    />
  );
}
