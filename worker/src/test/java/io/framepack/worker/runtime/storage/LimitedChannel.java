package io.framepack.worker.runtime.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * A real file channel that accepts only {@code limit} bytes; the write that crosses the limit
 * writes what still fits and then meets the {@link Limit}: a full disk, or a process that stalls
 * mid-write until it is killed.
 */
public final class LimitedChannel extends FileChannel {

    /** What happens at the limit. */
    @FunctionalInterface
    public interface Limit {
        void reached(Path path) throws IOException;
    }

    /** ENOSPC, as a full disk reports it. */
    public static final Limit DISK_FULL = path -> {
        throw new FileSystemException(path.toString(), null, "No space left on device");
    };

    private final Path path;
    private final FileChannel file;
    private final Limit limit;
    private long free;

    public LimitedChannel(Path path, long limitBytes, Limit limit) throws IOException {
        this.path = path;
        this.file = DirectoryStore.ChannelOpener.CREATE_NEW.open(path);
        this.free = limitBytes;
        this.limit = limit;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (src.remaining() > free) {
            ByteBuffer fits = src.slice().limit((int) free);
            src.position(src.position() + file.write(fits));
            free = 0;
            file.force(true);
            limit.reached(path);
        }
        int written = file.write(src);
        free -= written;
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return file.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return file.read(dsts, offset, length);
    }

    @Override
    public long position() throws IOException {
        return file.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        file.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        file.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        file.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return file.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return file.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return file.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return file.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.close();
    }
}
