/** A ref that always holds the latest value, so effects that build a WebGL scene or a chart can
 * call the newest callbacks without being torn down and rebuilt when a parent re-creates them. */

import { useLayoutEffect, useRef } from "react";

export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
