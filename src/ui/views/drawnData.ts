/**
 * Whether the views write every value and colour they drew into data attributes. The end-to-end
 * tests read maps that way (never pixels), but at 512 tokens a map's values and colours are
 * megabytes of attribute text that the page itself never reads. So they are written only when
 * asked: the tests' fixture sets `globalThis.__tpDrawnData = true` before the page loads.
 */
export const drawnDataWanted = (): boolean => (globalThis as { __tpDrawnData?: unknown }).__tpDrawnData === true;
