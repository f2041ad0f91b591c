/**
 * What a worker remembers per model slot (A, the model edited; B, the compare model) between
 * requests, without comlink or a runtime, so Node tests drive it directly:
 *
 *   - the newest request id announced for the slot: older work of that slot is stale and stops
 *     early (a newer edit of A never supersedes B's work, and the other way round);
 *   - the full maps of the slot's newest analysis: views ask for one (layer, head) at a time;
 *   - the seed of that analysis: the weight cache keeps only the seeds still on screen.
 */
import type { HeldMaps } from './analyse';
import type { ModelSlot } from './api';

interface Slot {
  latest: number;
  held: HeldMaps | null;
  /** null for an opened model's analysis (no drawn weights to keep). */
  seed: number | null;
}

export class Slots {
  private readonly slots: Record<ModelSlot, Slot> = { a: Slot(), b: Slot() };

  /** Records that request `id` of `slot` exists: every older request of that slot is now stale. */
  announce(slot: ModelSlot, id: number): void {
    const s = this.slots[slot];
    s.latest = Math.max(s.latest, id);
  }

  /** Whether request `id` of `slot` was overtaken by a newer one. */
  isStale(slot: ModelSlot, id: number): boolean {
    return id < this.slots[slot].latest;
  }

  /** Keeps the maps of an analysis of `slot` unless a newer one's are kept already; true when kept. */
  keep(slot: ModelSlot, maps: HeldMaps, seed: number | null): boolean {
    const s = this.slots[slot];
    if (s.held && maps.id < s.held.id) return false;
    s.held = maps;
    s.seed = seed;
    return true;
  }

  /** The maps of analysis `id`, in whichever slot holds them. */
  mapsOf(id: number): HeldMaps | null {
    return [this.slots.a.held, this.slots.b.held].find((h) => h?.id === id) ?? null;
  }

  /** Forgets what `slot` held (compare mode turned off); its request ids stay, so old work stays stale. */
  release(slot: ModelSlot): void {
    this.slots[slot].held = null;
    this.slots[slot].seed = null;
  }

  /** The seeds of the analyses on screen, whose weights are worth keeping. */
  seeds(): number[] {
    return [this.slots.a.seed, this.slots.b.seed].filter((s): s is number => s !== null);
  }
}

function Slot(): Slot {
  return { latest: -1, held: null, seed: null };
}
