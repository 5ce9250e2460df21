// SPDX-License-Identifier: MIT
/**
 * Probe steps that make dma-bufs: one page from every dma-heap, and a
 * udmabuf over a sealed memfd.
 * @module
 */
import { type DmaBuf, DmaHeap, Memfd, Seal, Udmabuf } from '../index.js';
import { type Outcome, attempt, notTried, ok } from './outcome.js';

/** One page on 4 KiB-page machines; heaps round a smaller or odd size up to whole pages. */
const HEAP_PROBE_SIZE = 4096;
/** udmabuf wants page-aligned sizes: 64 KiB is a whole number of pages for 4, 16 and 64 KiB pages. */
const UDMABUF_PROBE_SIZE = 65536;

export interface HeapResult {
  name: string;
  outcome: Outcome;
}

export interface MemoryResults {
  heaps: HeapResult[];
  /** The kernel has no /dev/dma_heap at all (an empty `heaps`). */
  noHeaps: Outcome | undefined;
  memfdSeals: Outcome;
  udmabuf: Outcome;
  /** A buffer for the dma-buf steps, from the first heap or udmabuf that worked; the caller closes it. */
  buffer: DmaBuf | undefined;
  /** Why there is no buffer, when there is none. */
  noBuffer: Outcome | undefined;
}

export async function probeMemory(step: (what: string) => void): Promise<MemoryResults> {
  let buffer: DmaBuf | undefined;
  const keep = (b: DmaBuf): void => {
    if (buffer) b.close();
    else buffer = b;
  };
  const heaps: HeapResult[] = [];
  for (const name of DmaHeap.list()) {
    step(`allocating a page from dma-heap ${name}`);
    const outcome = await attempt(() => {
      using heap = DmaHeap.open(name);
      keep(heap.allocate(HEAP_PROBE_SIZE));
      return `${HEAP_PROBE_SIZE} bytes allocated`;
    });
    heaps.push({ name, outcome });
  }
  // DmaHeap.open of a heap that does not exist says why there are none (no CONFIG_DMABUF_HEAPS).
  const noHeaps = heaps.length === 0 ? await attempt(() => DmaHeap.open('system').close()) : undefined;

  step('creating a udmabuf from a sealed memfd');
  let memfd: Memfd | undefined;
  const memfdSeals = await attempt(() => {
    memfd = Memfd.create('dmabuf-probe', UDMABUF_PROBE_SIZE);
    memfd.addSeals(Seal.SHRINK);
  });
  const udmabuf = ok(memfdSeals)
    ? await attempt(() => {
        using device = Udmabuf.open();
        keep(device.create(memfd!));
        return `${UDMABUF_PROBE_SIZE} bytes over a memfd sealed against shrinking`;
      })
    : notTried('no sealed memfd to make it from', memfdSeals);
  memfd?.close();

  const failures = [...heaps.map((h) => h.outcome), udmabuf].filter((o) => !ok(o));
  const noBuffer = buffer ? undefined : notTried('no dma-buf to try it on (no dma-heap or udmabuf worked)', failures[0] ?? noHeaps ?? udmabuf);
  return { heaps, noHeaps, memfdSeals, udmabuf, buffer, noBuffer };
}
