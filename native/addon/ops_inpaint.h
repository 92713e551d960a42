// Inpainting arguments of NativeModel.sample and the standalone ops the oracle tests drive
// (cpu/inpaint.h). Every argument is validated before native memory is touched; a failure
// names the argument.
#pragma once
#include <napi.h>

#include "../cpu/model.h"
#include "jobs.h"

namespace td {
namespace addon {

void RegisterInpaintOps(Napi::Env env, Napi::Object exports);

// sample(): {known: Float32Array [knownRows x numeric columns], knownMask: Uint8Array (0/1),
// knownRows: 1 or n, resampleJumps: 1..100, resampleLength: 1..100000, resampleStart: [0, 1]}. Reads nothing when
// known is absent (then the other keys are errors). Call after the sampler kind is set.
void GetSampleInpaint(const Napi::Object& o, const cpu::DenoiserModel& model, double n, SampleInputs& in);

}  // namespace addon
}  // namespace td
