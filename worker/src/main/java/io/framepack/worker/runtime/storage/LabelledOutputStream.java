package io.framepack.worker.runtime.storage;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Function;

/** Turns a bare write failure ("No space left on device") into one that says which object failed. */
final class LabelledOutputStream extends FilterOutputStream {
    private final Function<IOException, StorageException> label;

    LabelledOutputStream(OutputStream out, Function<IOException, StorageException> label) {
        super(out);
        this.label = label;
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (StorageException e) {
            throw e;
        } catch (IOException e) {
            throw label.apply(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (StorageException e) {
            throw e;
        } catch (IOException e) {
            throw label.apply(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (StorageException e) {
            throw e;
        } catch (IOException e) {
            throw label.apply(e);
        }
    }
}
