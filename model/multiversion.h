// Function multiversioning for the model's hot host loops (the fused BiRNN's gates and recurrent products,
// the dropout mask, the fused optimizer updates). Internal to model/.
#pragma once

// Compiles a function twice, for x86-64-v3 (AVX2 + FMA) and for baseline x86-64, and picks one at load time
// by CPU features. Not "arch=haswell": GCC's resolver tests for that CPU model itself, so every AMD and every
// newer Intel CPU silently ran the baseline SSE2 clone.
#if defined(__x86_64__) && defined(__GNUC__)
#define DTS_TARGET_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define DTS_TARGET_CLONES
#endif

// For helpers called from a DTS_TARGET_CLONES function: inlined, so each clone gets its own vectorised copy.
#define DTS_ALWAYS_INLINE inline __attribute__((always_inline))
