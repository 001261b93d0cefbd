// Tensor buffers of a training step are large (the fused recurrent layer keeps its gates, states and outputs,
// [B·L, 8H] floats and more) and short-lived. glibc serves blocks over its mmap threshold with fresh pages
// and returns freed heap tops to the kernel, so every step paid page faults for the same memory again:
// measured here, the 1+1+1 LSTM's training step spent 40% of its time in the kernel (bench/model_throughput:
// 363 -> ~590 sentences/s with this tuning, docs/benchmarks.md).
#pragma once

namespace dts::model {

// Makes the C allocator keep freed memory for reuse: no mmap for blocks under 32 MiB, no trimming of the
// heap top below 1 GiB free. The training steps' peak is unchanged (the same blocks are reused); the process
// simply does not give memory back between steps. But what other phases free stays too, and even blocks over
// 32 MiB come from the heap while its top has room (64 MiB of top pad): see ReturnFreedMemory. Call once at
// start-up, before any tensor is allocated.
void KeepFreedMemoryForReuse();

// Gives the freed memory kept for reuse back to the system. For a phase whose allocations cannot reuse it
// (a trial file's in-memory image is a mapping of its own, schema/internal/h5.h): without this the process
// would hold both, the training steps' freed memory and the phase's. The next training step faults its pages
// in again, once.
void ReturnFreedMemory();

}  // namespace dts::model
