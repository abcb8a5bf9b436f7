package io.framepack.worker.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.pipeline.PixelFrames;
import io.framepack.worker.pipeline.VideoFrames;
import io.framepack.worker.runtime.checkpoint.Checkpoint;
import io.framepack.worker.runtime.checkpoint.CheckpointIdentity;
import io.framepack.worker.runtime.checkpoint.FrameTensor;
import io.framepack.worker.runtime.checkpoint.StoredTensor;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small sectioned computation with FramePack's resume hazards for runner tests: every section
 * depends on the whole history and on the section's seeded draw, so a wrong restore, a replayed
 * or skipped section shows in the final pixels. The real renderer's exactness is tested separately.
 */
class RandomWalkSession implements RenderSession {
    static final int FRAMES_PER_SECTION = 4;
    static final int SIZE = 8;

    private final NDManager manager = NDManager.newBaseManager();
    private final int sections;
    private final int steps;
    private final long seed;
    private NDArray history;
    private int completed;

    RandomWalkSession(int sections, int steps, long seed) {
        this.sections = sections;
        this.steps = steps;
        this.seed = seed;
        this.history = manager.zeros(new Shape(1, 3, 1, SIZE, SIZE));
    }

    @Override
    public int sectionsTotal() {
        return sections;
    }

    @Override
    public int stepsPerSection() {
        return steps;
    }

    @Override
    public int sectionsCompleted() {
        return completed;
    }

    @Override
    public SectionResult runNextSection(StepCallback callback) {
        Random draw = new Random(seed * 1000 + completed);
        float[] values = new float[3 * FRAMES_PER_SECTION * SIZE * SIZE];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) draw.nextGaussian() * 0.3f;
        }
        NDArray section = manager.create(values, new Shape(1, 3, FRAMES_PER_SECTION, SIZE, SIZE));
        for (int step = 1; step <= steps; step++) {
            section = section.add(history.mean(new int[] {2}, true)).tanh();
            callback.onStep(completed, step, steps);
        }
        // Only now, as the real loop does, the state changes.
        history = history.concat(section, 2);
        completed++;
        return new SectionResult(completed - 1, (int) history.getShape().get(2),
                section.add(1).div(2).get(":, :, :2"));
    }

    @Override
    public Checkpoint snapshot(CheckpointIdentity identity, List<Double> sectionSeconds) {
        return new Checkpoint(identity, completed, Map.of("history", FrameTensor.of(StoredTensor.of(history))), Map.of(),
                sectionSeconds);
    }

    @Override
    public void restore(Checkpoint checkpoint) {
        completed = checkpoint.sectionsCompleted();
        history = checkpoint.tensors().get("history").toArray(manager);
    }

    @Override
    public VideoFrames pixels() {
        return PixelFrames.of(history);
    }

    @Override
    public void close() {
        manager.close();
    }
}
