package io.framepack.worker.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Flow-matching UniPC, variant bh1, order up to 3 ({@code uni_pc_fm.py} of the official code): a
 * predictor–corrector multistep solver on x̂₀ predictions. Each step evaluates the model once at
 * the predicted point and uses that prediction both to correct the step and as the newest history
 * entry. The result is the <em>last x̂₀ prediction</em> (at the last non-zero σ), not the
 * corrected state: σ = 0 is never evaluated.
 */
public final class FlowMatchUniPc {
    private static final int MAX_ORDER = 3;

    /**
     * Samples from {@code noise} (float32, σ = 1) along {@code sigmas} (σ₀ = 1 … 0).
     *
     * @return the final x̂₀, attached to {@code noise}'s manager
     */
    public NDArray sample(NDArray noise, float[] sigmas, Denoiser model, StepListener listener) {
        if (sigmas.length < 2) {
            throw new IllegalArgumentException("need at least two noise levels, got " + sigmas.length);
        }
        NDManager home = noise.getManager();
        int order = Math.min(MAX_ORDER, sigmas.length - 2);
        try (NDManager state = home.newSubManager()) {
            Deque<NDArray> predictions = new ArrayDeque<>();
            Deque<Float> levels = new ArrayDeque<>();
            NDArray x = noise;
            for (int i = 0; i < sigmas.length - 1; i++) {
                NDArray prediction;
                if (i == 0) {
                    prediction = model.denoise(x, sigmas[0]);
                    prediction.attach(state);
                } else {
                    NDArray[] stepped = update(x, predictions, levels, sigmas[i], Math.min(i, order), model, state);
                    if (x != noise) {
                        x.close();
                    }
                    x = stepped[0];
                    prediction = stepped[1];
                }
                predictions.addLast(prediction);
                levels.addLast(sigmas[i]);
                while (order > 0 && predictions.size() > order) {
                    predictions.removeFirst().close();
                    levels.removeFirst();
                }
                listener.onStep(i, x, prediction);
            }
            NDArray result = predictions.getLast();
            result.attach(home);
            return result;
        }
    }

    /** One predictor–corrector update to {@code t}; returns the corrected state and the new x̂₀, in {@code state}. */
    private static NDArray[] update(NDArray x, Deque<NDArray> predictions, Deque<Float> levels, float t, int order,
                                    Denoiser model, NDManager state) {
        List<NDArray> history = new ArrayList<>(predictions);
        float[] kept = toArray(levels);
        float[] previous = Arrays.copyOfRange(kept, kept.length - order, kept.length);
        UniPcCoefficients c = UniPcCoefficients.of(previous, t, order);
        NDArray newest = history.get(history.size() - 1);
        try (NDManager scratch = state.newSubManager()) {
            x.tempAttach(scratch);
            for (NDArray prediction : history) {
                prediction.tempAttach(scratch);
            }
            // D_k = (x̂₀ of the k-th older point − newest x̂₀) / r_k
            NDList differences = new NDList();
            for (int k = 1; k < order; k++) {
                NDArray older = history.get(history.size() - 1 - k);
                differences.add(older.sub(newest).div(c.ratios()[k - 1]));
            }
            NDArray linear = x.mul(c.ratio()).sub(newest.mul(c.phi1()));
            NDArray predicted = differences.isEmpty() ? linear
                    : linear.sub(weightedSum(differences, c.predictorWeights(), order - 1).mul(c.bh()));
            NDArray prediction = model.denoise(predicted, t);
            float[] rho = c.correctorWeights();
            NDArray correction = prediction.sub(newest).mul(rho[order - 1]);
            if (!differences.isEmpty()) {
                correction = weightedSum(differences, rho, order - 1).add(correction);
            }
            NDArray corrected = linear.sub(correction.mul(c.bh()));
            corrected.attach(state);
            prediction.attach(state);
            return new NDArray[] {corrected, prediction};
        }
    }

    /**
     * {@code Σ_k weights[k]·D_k} as the official code's {@code tensordot} computes it: the D_k stacked
     * along a trailing axis and multiplied by the weight column in one matrix product (an
     * element-wise formulation can differ in the last bit).
     */
    private static NDArray weightedSum(NDList differences, float[] weights, int count) {
        Shape shape = differences.get(0).getShape();
        NDArray stacked = NDArrays.stack(differences, shape.dimension()).reshape(shape.size(), count);
        float[] column = Arrays.copyOf(weights, count);
        NDArray weightColumn = stacked.getManager().create(column, new Shape(count, 1));
        return stacked.matMul(weightColumn).reshape(shape);
    }

    private static float[] toArray(Deque<Float> values) {
        float[] array = new float[values.size()];
        int i = 0;
        for (float v : values) {
            array[i++] = v;
        }
        return array;
    }
}
