/**
 * The model directory: where each component of a FramePack model lives on disk, its validation
 * before anything is loaded, and its identity for checkpoints. It sits above the models, beside
 * the pipeline: it knows every model, but only to hand each component's config and safetensors
 * headers to that model's own {@code checkCheckpoint}, which builds the model on the headers, so
 * weight names and shapes are written once, in the layers that load them. Only the runtime (the
 * render and the command line) and the benchmarks use it.
 */
package io.framepack.worker.model;
