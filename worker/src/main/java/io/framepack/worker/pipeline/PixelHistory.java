package io.framepack.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.framepack.worker.tensor.OwnedArrays;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.IntFunction;

import static io.framepack.worker.pipeline.SectionSchedule.frames;

/**
 * The decoded video so far, held in the form each frame is still needed in. Only the frames the
 * next soft append blends (the schedule's overlap, at the end where sections add frames) are ever
 * read as numbers again: they stay as the decoder gave them ({@link #open()}). Every other frame
 * is settled: it only ever becomes 8-bit RGB, in the MP4 and in checkpoints, so it is kept as that
 * ({@link PixelFrames}' conversion, done once), a quarter of float32's size, in one uint8 array
 * {@code [1,3,k,H,W]} per section so that a section adds its frames without copying the others.
 */
public final class PixelHistory implements VideoFrames, AutoCloseable {
    private final NDManager manager;
    private final boolean growsAtStart;
    private final int overlap;
    /** Settled frames in video order, one array per section (or per restored checkpoint). */
    private final Deque<NDArray> settled = new ArrayDeque<>();
    private int settledCount;
    private NDArray open;

    /** An empty history of a job of {@code schedule}, its arrays in a CPU manager below {@code parent}. */
    PixelHistory(SectionSchedule schedule, NDManager parent) {
        this.manager = parent.newSubManager();
        this.growsAtStart = schedule.growsAtStart();
        this.overlap = schedule.overlapPixelFrames();
    }

    /** Whether no section has been decoded yet. */
    public boolean isEmpty() {
        return open == null;
    }

    /**
     * The frames the next section's decode is blended with {@code [1,3,o,H,W]} in the decoder's
     * dtype: the last {@code o} (F1, video extension) or first (inverted) of the video, {@code o}
     * the overlap or, in a shorter video, all of it.
     */
    public NDArray open() {
        requireDecoded();
        return open;
    }

    /** Frames converted to 8-bit RGB for good: all but {@link #open()}. */
    public int settledFrames() {
        return settledCount;
    }

    /**
     * Takes over {@code joined}, the open frames blended with a new decode (or the first decode),
     * which replaces them: all of it but the frames the next blend rewrites settles.
     */
    void advance(NDArray joined) {
        int frames = Math.toIntExact(SectionSchedule.frameCount(joined));
        int kept = Math.min(overlap, frames);
        int openFrom = growsAtStart ? 0 : frames - kept;
        try (NDManager work = manager.newSubManager()) {
            joined.tempAttach(work);
            // A copy: a view would keep the whole joined array alive.
            NDArray newOpen = frames(joined, openFrom, openFrom + kept).duplicate();
            newOpen.attach(manager);
            if (frames > kept) {
                addSettled(settledArray(joined, growsAtStart ? kept : 0, frames - kept));
            }
            if (open != null) {
                open.close();
            }
            open = newOpen;
        }
        joined.close();
    }

    /**
     * Puts back a history saved as {@link #open()} and the settled frames (uint8, null for none),
     * which this history takes over.
     */
    void restore(NDArray savedOpen, NDArray savedSettled) {
        if (savedSettled != null) {
            Shape shape = savedSettled.getShape();
            Shape openShape = savedOpen.getShape();
            if (savedSettled.getDataType() != DataType.UINT8 || shape.dimension() != 5
                    || shape.get(3) != openShape.get(3) || shape.get(4) != openShape.get(4)) {
                throw new IllegalArgumentException("saved settled pixels " + savedSettled.getDataType() + " " + shape
                        + " do not fit the open pixels " + openShape);
            }
            savedSettled.attach(manager);
            addSettled(savedSettled);
        }
        NDArray copy = savedOpen.toDevice(manager.getDevice(), true);
        copy.attach(manager);
        open = copy;
    }

    /**
     * Settled frames {@code [from, to)} (counted in video order among the settled ones) as the
     * little-endian bytes of a uint8 tensor {@code [1,3,to−from,H,W]}.
     */
    public ByteBuffer settledBytes(int from, int to) {
        if (from < 0 || to < from || to > settledCount) {
            throw new IndexOutOfBoundsException("settled frames [" + from + ", " + to + ") of " + settledCount);
        }
        int plane = height() * width();
        int count = to - from;
        return channelMajor(ByteBuffer.allocate(Math.multiplyExact(3 * count, plane)), count, plane,
                t -> settledPlanar(from + t));
    }

    @Override
    public int frameCount() {
        return open == null ? 0 : settledCount + Math.toIntExact(SectionSchedule.frameCount(open));
    }

    @Override
    public int height() {
        return (int) open().getShape().get(3);
    }

    @Override
    public int width() {
        return (int) open().getShape().get(4);
    }

    @Override
    public byte[] rgb(int f) {
        int total = frameCount();
        if (f < 0 || f >= total) {
            throw new IndexOutOfBoundsException("frame " + f + " of " + total);
        }
        int openFrames = total - settledCount;
        int openStart = growsAtStart ? 0 : settledCount;
        if (f >= openStart && f < openStart + openFrames) {
            return PixelFrames.frame(open, f - openStart);
        }
        return PixelFrames.interleaved(settledPlanar(growsAtStart ? f - openFrames : f));
    }

    @Override
    public void close() {
        manager.close();
    }

    private void requireDecoded() {
        if (open == null) {
            throw new IllegalStateException("no section has been decoded yet");
        }
    }

    /** Settled frame {@code s} as three planes of bytes. */
    private byte[] settledPlanar(int s) {
        int index = s;
        for (NDArray part : settled) {
            int frames = Math.toIntExact(SectionSchedule.frameCount(part));
            if (index < frames) {
                try (NDArray frame = part.get(new NDIndex("0, :, {}", index))) {
                    return frame.toByteArray();
                }
            }
            index -= frames;
        }
        throw new IndexOutOfBoundsException("settled frame " + s + " of " + settledCount);
    }

    private void addSettled(NDArray frames) {
        if (growsAtStart) {
            settled.addFirst(frames);
        } else {
            settled.addLast(frames);
        }
        settledCount += Math.toIntExact(SectionSchedule.frameCount(frames));
    }

    /** Frames {@code [from, from + count)} of {@code pixels} converted to uint8 {@code [1,3,count,H,W]}, in this manager. */
    private NDArray settledArray(NDArray pixels, int from, int count) {
        int plane = PixelFrames.height(pixels) * PixelFrames.width(pixels);
        // Direct: the copy into libtorch then reads it without another copy on the heap.
        ByteBuffer bytes = channelMajor(ByteBuffer.allocateDirect(Math.multiplyExact(3 * count, plane)), count, plane,
                t -> PixelFrames.planarFrame(pixels, from + t));
        return OwnedArrays.copyOf(bytes, new Shape(1, 3, count, PixelFrames.height(pixels), PixelFrames.width(pixels)),
                DataType.UINT8, manager);
    }

    /** Fills {@code bytes} with {@code count} frames of three planes each, laid out as {@code [3,count,H,W]}. */
    private static ByteBuffer channelMajor(ByteBuffer bytes, int count, int plane, IntFunction<byte[]> planarFrame) {
        for (int t = 0; t < count; t++) {
            byte[] planar = planarFrame.apply(t);
            for (int c = 0; c < 3; c++) {
                bytes.put((c * count + t) * plane, planar, c * plane, plane);
            }
        }
        return bytes;
    }
}
