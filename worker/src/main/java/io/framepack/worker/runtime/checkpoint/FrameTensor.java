package io.framepack.worker.runtime.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

import java.util.List;

/**
 * A tensor as a checkpoint holds it: frames along {@link StoredTensor#TIME_AXIS}, of which the
 * {@code settledFrames} at {@code settledEnd} never change again. The store keeps settled frames
 * in blocks that later checkpoints share instead of writing them again, so a save costs the new
 * frames rather than the whole video. The bits come from {@code source} one range at a time.
 */
public record FrameTensor(DataType dtype, long[] shape, SettledEnd settledEnd, int settledFrames, FrameSource source) {
    private static final long RANGE_BYTES = 64L << 20;

    /** The end of the time axis where frames stop changing (the other end is where sections add them). */
    public enum SettledEnd { START, END }

    /** Bits of a frame range. */
    @FunctionalInterface
    public interface FrameSource {
        /** Frames {@code [from, to)} as one tensor whose time dimension is {@code to − from}. */
        StoredTensor frames(int from, int to);
    }

    public FrameTensor {
        shape = shape.clone();
        int frames = StoredTensor.frames(shape);
        if (settledFrames < 0 || settledFrames > frames) {
            throw new IllegalArgumentException(settledFrames + " settled frames of " + frames);
        }
    }

    /** Bits held in memory, none of them settled. */
    public static FrameTensor of(StoredTensor tensor) {
        return new FrameTensor(tensor.dtype(), tensor.shape(), SettledEnd.END, 0,
                (from, to) -> StoredTensor.framesOf(List.of(tensor), from, to));
    }

    /** A live array, read when saved: it must not change until the save is done. */
    public static FrameTensor of(NDArray array, SettledEnd settledEnd, int settledFrames) {
        long[] shape = array.getShape().getShape();
        FrameSource source = shape.length > StoredTensor.TIME_AXIS
                ? (from, to) -> {
                    try (NDArray range = array.get(new NDIndex(":, :, {}:{}", from, to))) {
                        return StoredTensor.of(range);
                    }
                }
                : (from, to) -> StoredTensor.of(array);
        return new FrameTensor(array.getDataType(), shape, settledEnd, settledFrames, source);
    }

    public int frames() {
        return StoredTensor.frames(shape);
    }

    public long byteSize() {
        return StoredTensor.byteSize(dtype, shape);
    }

    /**
     * The whole tensor as an array of {@code manager}, copied over in ranges of at most
     * {@value #RANGE_BYTES} bytes, so that the heap holds one range at a time besides the array.
     */
    public NDArray toArray(NDManager manager) {
        int frames = frames();
        long frameBytes = Math.max(1, byteSize() / Math.max(1, frames));
        int rangeFrames = (int) Math.max(1, Math.min(frames, RANGE_BYTES / frameBytes));
        if (frames <= rangeFrames) {
            return source.frames(0, frames).toArray(manager);
        }
        try (NDManager ranges = manager.newSubManager()) {
            NDList parts = new NDList();
            for (int from = 0; from < frames; from += rangeFrames) {
                parts.add(source.frames(from, Math.min(frames, from + rangeFrames)).toArray(ranges));
            }
            NDArray whole = NDArrays.concat(parts, StoredTensor.TIME_AXIS);
            whole.attach(manager);
            return whole;
        }
    }
}
