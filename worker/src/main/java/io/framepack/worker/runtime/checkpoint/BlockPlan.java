package io.framepack.worker.runtime.checkpoint;

import ai.djl.ndarray.types.DataType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which parts a tensor is stored as. Settled frames (those no later section changes) go to
 * shared blocks of {@value #BLOCK_FRAMES} frames counted from the settled end, written once and
 * referenced by every later manifest, so that a save writes the new frames rather than the whole
 * video; the frames that may still change are written with every checkpoint, in parts of at most
 * a block.
 */
final class BlockPlan {
    /** Frames per block: 19 MB of settled 8-bit pixels or 6 MB of float32 latents at 640×608. */
    static final int BLOCK_FRAMES = 16;

    private BlockPlan() {
    }

    /** A part to write ({@code bits}) or one an earlier checkpoint wrote ({@code reused}). */
    record PlannedPart(String key, int block, StoredTensor bits, Manifest.Part reused) {
    }

    /** The settled blocks of one stored tensor, nearest the settled end first, and what they hold. */
    record SettledBlocks(DataType dtype, long[] frameShape, FrameTensor.SettledEnd end, List<Manifest.Part> blocks) {

        /** The blocks among the parts this store just wrote for {@code tensor}. */
        static SettledBlocks written(FrameTensor tensor, List<Manifest.Part> parts) {
            return new SettledBlocks(tensor.dtype(), withoutTime(tensor.shape()), tensor.settledEnd(), sortedBlocks(parts));
        }

        /** The blocks among a stored tensor's parts, which must be numbered from 0 and each hold a whole block. */
        static SettledBlocks read(Manifest.TensorParts tensor) throws CorruptCheckpointException {
            List<Manifest.Part> blocks = sortedBlocks(tensor.parts());
            for (int i = 0; i < blocks.size(); i++) {
                if (blocks.get(i).block() != i || blocks.get(i).frames() != BLOCK_FRAMES) {
                    throw new CorruptCheckpointException(tensor.name() + ": settled blocks are not numbered 0 to "
                            + (blocks.size() - 1));
                }
            }
            return new SettledBlocks(tensor.dtype(), withoutTime(tensor.shape()), tensor.settledEnd(), blocks);
        }

        private static List<Manifest.Part> sortedBlocks(List<Manifest.Part> parts) {
            List<Manifest.Part> blocks = new ArrayList<>(parts.stream().filter(Manifest.Part::shared).toList());
            blocks.sort(Comparator.comparingInt(Manifest.Part::block));
            return blocks;
        }

        int settledFrames() {
            return blocks.size() * BLOCK_FRAMES;
        }

        /** Block {@code block} of {@code tensor} as stored before, or null when it must be written. */
        Manifest.Part reusable(int block, FrameTensor tensor) {
            return block < blocks.size() && dtype == tensor.dtype() && end == tensor.settledEnd()
                    && Arrays.equals(frameShape, withoutTime(tensor.shape())) ? blocks.get(block) : null;
        }
    }

    /**
     * The parts of tensor {@code name} in time order: its settled blocks (those of {@code before},
     * an earlier checkpoint's, where they hold the same frames) and the changing rest, in {@code group}.
     */
    static List<PlannedPart> plan(String group, String name, FrameTensor tensor, SettledBlocks before) {
        List<PlannedPart> blocks = new ArrayList<>();
        for (int block = 0; block < tensor.settledFrames() / BLOCK_FRAMES; block++) {
            Manifest.Part reused = before == null ? null : before.reusable(block, tensor);
            if (reused != null) {
                blocks.add(new PlannedPart(reused.key(), block, null, reused));
            } else {
                int[] range = blockRange(tensor, block);
                blocks.add(new PlannedPart(ObjectNames.newBlock(name, block), block,
                        tensor.source().frames(range[0], range[1]), null));
            }
        }
        List<PlannedPart> changing = new ArrayList<>();
        int[] rest = changingRange(tensor, blocks.size());
        int count = (rest[1] - rest[0] + BLOCK_FRAMES - 1) / BLOCK_FRAMES;
        for (int from = rest[0]; from < rest[1]; from += BLOCK_FRAMES) {
            changing.add(new PlannedPart(ObjectNames.changingPart(group, name, changing.size(), count), -1,
                    tensor.source().frames(from, Math.min(rest[1], from + BLOCK_FRAMES)), null));
        }
        List<PlannedPart> parts = new ArrayList<>();
        if (tensor.settledEnd() == FrameTensor.SettledEnd.END) {
            parts.addAll(changing);
            for (int block = blocks.size() - 1; block >= 0; block--) {
                parts.add(blocks.get(block));
            }
        } else {
            parts.addAll(blocks);
            parts.addAll(changing);
        }
        return parts;
    }

    /** Frames {@code [from, to)} of settled block {@code block}, counted from the settled end. */
    private static int[] blockRange(FrameTensor tensor, int block) {
        int frames = tensor.frames();
        return tensor.settledEnd() == FrameTensor.SettledEnd.END
                ? new int[] {frames - (block + 1) * BLOCK_FRAMES, frames - block * BLOCK_FRAMES}
                : new int[] {block * BLOCK_FRAMES, (block + 1) * BLOCK_FRAMES};
    }

    /** The frames outside the first {@code blocks} settled blocks: written with every checkpoint. */
    private static int[] changingRange(FrameTensor tensor, int blocks) {
        int frames = tensor.frames();
        return tensor.settledEnd() == FrameTensor.SettledEnd.END
                ? new int[] {0, frames - blocks * BLOCK_FRAMES}
                : new int[] {blocks * BLOCK_FRAMES, frames};
    }

    /** The shape without its time dimension: what must match for blocks to be shared. */
    private static long[] withoutTime(long[] shape) {
        long[] frame = shape.clone();
        if (frame.length > StoredTensor.TIME_AXIS) {
            frame[StoredTensor.TIME_AXIS] = 0;
        }
        return frame;
    }
}
