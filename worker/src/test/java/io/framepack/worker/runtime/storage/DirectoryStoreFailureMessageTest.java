package io.framepack.worker.runtime.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A failed write says once what failed where, however deep in the stream it failed. */
class DirectoryStoreFailureMessageTest {
    @TempDir
    Path dir;

    @Test
    void aFullDiskAtCommitIsReportedOnce() throws Exception {
        DirectoryStore store = new DirectoryStore(dir, path -> new LimitedChannel(path, 10, LimitedChannel.DISK_FULL));
        try (ObjectStore.PendingObject object = store.create("video.mp4")) {
            // Buffered: the bytes reach the full disk only when the commit flushes them.
            object.stream().write(new byte[100]);

            assertThatThrownBy(object::commit)
                    .isInstanceOf(StorageException.class)
                    .hasMessage("cannot write " + dir.resolve("video.mp4") + ": No space left on device");
        }
    }
}
