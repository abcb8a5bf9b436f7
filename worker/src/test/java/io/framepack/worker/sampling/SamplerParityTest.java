package io.framepack.worker.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.GoldenCases;
import io.framepack.worker.pipeline.TransformerVelocity;
import io.framepack.worker.tensor.DjlKernels;
import io.framepack.worker.tensor.Numerics;
import io.framepack.worker.tensor.Precision;
import io.framepack.worker.tensor.SafetensorsWeights;
import io.framepack.worker.transformer.ForwardCase;
import io.framepack.worker.transformer.PackedTransformer;
import io.framepack.worker.transformer.TransformerConfig;
import io.framepack.worker.transformer.TransformerInputs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static io.framepack.worker.ParityAssert.relativeMaxError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * UniPC with real CFG, guidance rescale and distilled guidance, driving the real packed
 * transformer, against every step the official sampler recorded ({@code sampler_case}).
 */
class SamplerParityTest {
    private static final double TOLERANCE = 1e-3;
    private static final String CASE = "sampler_case";

    @Test
    void everyStepAndTheOutputMatchTheOfficialSampler() throws IOException {
        GoldenCases goldens = GoldenCases.load();
        JsonNode info = goldens.caseInfo(CASE);
        DjlKernels kernels = new DjlKernels();
        try (NDManager m = NDManager.newBaseManager();
             SafetensorsWeights weights = SafetensorsWeights.open(goldens.file("transformer.safetensors"), Precision.FLOAT32, kernels);
             PackedTransformer transformer = PackedTransformer.load(weights,
                     TransformerConfig.read(goldens.file("transformer_config.json")), kernels, m)) {
            NDArray guidance = FlowMatchDenoiser.guidance(info.path("distilled_guidance").asDouble(), Precision.FLOAT32, m);
            // The forward case's conditioning and context, with the sampler's own guidance and negative prompt.
            TransformerInputs.Conditioning forward = ForwardCase.conditioning(goldens, m);
            TransformerInputs.Conditioning positive = new TransformerInputs.Conditioning(forward.textStates(),
                    forward.textMask(), forward.pooledText(), forward.imageEmbeddings(), guidance);
            TransformerInputs.Conditioning negative = new TransformerInputs.Conditioning(
                    goldens.tensor(CASE, "negative_encoder_hidden_states", m),
                    goldens.tensor(CASE, "negative_encoder_attention_mask", m),
                    goldens.tensor(CASE, "negative_pooled_projections", m), forward.imageEmbeddings(), guidance);
            NDArray latentIndices = ForwardCase.noisy(goldens, m).indices();
            TransformerInputs.PackedContext context = ForwardCase.context(goldens, m);
            TransformerVelocity velocity = new TransformerVelocity(transformer, 0);
            Denoiser denoiser = new FlowMatchDenoiser(velocity.conditionedOn(latentIndices, context, positive),
                    velocity.conditionedOn(latentIndices, context, negative),
                    info.path("cfg").asDouble(), info.path("guidance_rescale").asDouble(),
                    new Numerics(Precision.FLOAT32, kernels));

            NDArray noise = goldens.tensor(CASE, "noise", m);
            float[] sigmas = SigmaSchedule.sigmas(info.path("steps").asInt(), info.path("mu").asDouble());
            List<String> report = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            NDArray output = new FlowMatchUniPc().sample(noise, sigmas, denoiser, (step, x, denoised) -> {
                double xError = relativeMaxError(x, goldens.tensor(CASE, "step_" + step + "_x", m));
                double x0Error = relativeMaxError(denoised, goldens.tensor(CASE, "step_" + step + "_denoised", m));
                report.add(String.format("step %d: x %.2e, denoised %.2e", step, xError, x0Error));
                errors.add(xError);
                errors.add(x0Error);
            });
            double outputError = relativeMaxError(output, goldens.tensor(CASE, "output", m));
            report.add(String.format("output %.2e", outputError));
            System.out.println("sampler_case parity: " + report);
            assertThat(report).hasSize(info.path("steps").asInt() + 1);
            assertThat(errors).allSatisfy(e -> assertThat(e).isLessThanOrEqualTo(TOLERANCE));
            assertThat(outputError).isLessThanOrEqualTo(TOLERANCE);
        }
    }
}
