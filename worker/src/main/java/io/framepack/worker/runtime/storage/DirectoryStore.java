package io.framepack.worker.runtime.storage;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory. A write goes to a hidden temporary file next to its
 * target, is fsynced, renamed over the target atomically, and the directory is fsynced, so a
 * crash at any byte leaves either the old file or the whole new one.
 */
public final class DirectoryStore implements ObjectStore {
    private static final String TEMP_MARKER = ".tmp-";

    /** Opens the channel a new object is written through; tests substitute one that fails like a full disk. */
    @FunctionalInterface
    public interface ChannelOpener {
        /** A new file, failing if it exists. */
        ChannelOpener CREATE_NEW = path -> FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

        FileChannel open(Path path) throws IOException;
    }

    private final Path root;
    private final ChannelOpener opener;

    public DirectoryStore(Path root) {
        this(root, ChannelOpener.CREATE_NEW);
    }

    public DirectoryStore(Path root, ChannelOpener opener) {
        this.root = root.toAbsolutePath().normalize();
        this.opener = opener;
    }

    public Path root() {
        return root;
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public String locate(String key) {
        return resolve(key).toString();
    }

    @Override
    public PendingObject create(String key) throws IOException {
        Path target = resolve(key);
        Path temp = target.resolveSibling("." + target.getFileName() + TEMP_MARKER + UUID.randomUUID());
        FileChannel channel;
        try {
            Files.createDirectories(target.getParent());
            channel = opener.open(temp);
        } catch (IOException e) {
            throw StorageException.of("cannot write", target, e);
        }
        return new PendingFile(target, temp, channel);
    }

    @Override
    public Optional<InputStream> open(String key) throws IOException {
        Path file = resolve(key);
        try {
            return Optional.of(Files.newInputStream(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw StorageException.of("cannot read", file, e);
        }
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> !file.getFileName().toString().contains(TEMP_MARKER))
                    .map(file -> root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/"))
                    .filter(key -> key.startsWith(prefix))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw StorageException.of("cannot list", root, e);
        }
    }

    @Override
    public Optional<Long> size(String key) throws IOException {
        Path file = resolve(key);
        try {
            return Optional.of(Files.size(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public void delete(String key) throws IOException {
        Path file = resolve(key);
        try {
            Files.deleteIfExists(file);
            deleteEmptyParents(file.getParent());
        } catch (IOException e) {
            throw StorageException.of("cannot delete", file, e);
        }
    }

    /** Deletes the temporary files of writes that never committed; they are invisible to {@link #list}. */
    @Override
    public void deleteAbandonedWrites() throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.getFileName().toString().contains(TEMP_MARKER)).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private void deleteEmptyParents(Path dir) throws IOException {
        while (dir != null && dir.startsWith(root) && !dir.equals(root)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    return;
                }
            }
            Files.deleteIfExists(dir);
            dir = dir.getParent();
        }
    }

    private Path resolve(String key) {
        Path file = root.resolve(key).normalize();
        if (key.isEmpty() || !file.startsWith(root) || file.equals(root)) {
            throw new IllegalArgumentException("object key '" + key + "' escapes the store at " + root);
        }
        return file;
    }

    private final class PendingFile implements PendingObject {
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final OutputStream stream;
        private boolean committed;

        PendingFile(Path target, Path temp, FileChannel channel) {
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.stream = new LabelledOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 20),
                    e -> StorageException.of("cannot write", target, e));
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public void commit() throws IOException {
            try {
                stream.flush();
                channel.force(true);
                channel.close();
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("the filesystem cannot rename atomically", e);
                }
                syncDirectory(target.getParent());
                committed = true;
            } catch (IOException e) {
                throw StorageException.of("cannot write", target, e);
            }
        }

        @Override
        public void close() throws IOException {
            if (committed) {
                return;
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // the write already failed; removing the temporary file is what matters now
            }
            Files.deleteIfExists(temp);
        }

        /** Makes the rename itself durable (the directory entry), not only the file's bytes. */
        private static void syncDirectory(Path dir) throws IOException {
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            }
        }
    }
}
