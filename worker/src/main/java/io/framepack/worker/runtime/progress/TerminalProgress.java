package io.framepack.worker.runtime.progress;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A human view: on a terminal a single progress bar redrawn in place; otherwise (a log file, a
 * pipe) one line per section and per notable event, never per step.
 */
public final class TerminalProgress implements ProgressListener {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean interactive;
    private int sectionsTotal = 1;
    private int stepsPerSection = 1;
    private boolean barDrawn;

    public TerminalProgress(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public synchronized void on(ProgressEvent event) {
        if (event instanceof ProgressEvent.JobStarted started) {
            sectionsTotal = Math.max(1, started.sectionsTotal());
            stepsPerSection = Math.max(1, started.stepsPerSection());
            line(started.resumedFromSection() == null
                    ? String.format("Rendering %s: %d sections of %d steps", started.jobId(), sectionsTotal, stepsPerSection)
                    : String.format("Resuming %s after section %d of %d (checkpoints in %s)", started.jobId(),
                    started.resumedFromSection(), sectionsTotal, started.checkpoints()));
        } else if (event instanceof ProgressEvent.Phase phase) {
            line(phase.message());
        } else if (event instanceof ProgressEvent.MemoryPlanned plan) {
            line(plan.message());
        } else if (event instanceof ProgressEvent.Step step) {
            if (interactive) {
                bar(step.section(), step.step(), step.steps());
            }
        } else if (event instanceof ProgressEvent.SectionDone done) {
            line(String.format(Locale.ROOT, "Section %d/%d done in %.1f s, %d frames so far",
                    done.sectionsCompleted(), done.sectionsTotal(), done.seconds(), done.frames()));
        } else if (event instanceof ProgressEvent.CheckpointSaved saved) {
            line(String.format(Locale.ROOT, "Checkpoint after section %d: %s (%.2f MB, %.2f MB written in %.2f s)",
                    saved.sectionsCompleted(), saved.location(), saved.bytes() / 1e6, saved.bytesWritten() / 1e6,
                    saved.seconds()));
        } else if (event instanceof ProgressEvent.OutputWritten output) {
            line(String.format("Wrote %s (%d frames, %d bytes)", output.location(), output.frames(), output.bytes()));
        } else if (event instanceof ProgressEvent.Warning warning) {
            line("Warning: " + warning.message());
        } else if (event instanceof ProgressEvent.Terminated terminated) {
            line("Stopped: " + terminated.message());
        } else if (event instanceof ProgressEvent.Failed failed) {
            line("Error (" + failed.reason() + "): " + failed.message());
        }
        // previews are for UIs; the bar already shows the progress
    }

    private void bar(int section, int step, int steps) {
        double done = (section + (double) step / Math.max(1, steps)) / sectionsTotal;
        int filled = (int) Math.round(done * WIDTH);
        out.print(String.format(Locale.ROOT, "\r[%s%s] %3.0f%%  section %d/%d  step %d/%d ",
                "#".repeat(filled), ".".repeat(WIDTH - filled), done * 100, section + 1, sectionsTotal, step, steps));
        out.flush();
        barDrawn = true;
    }

    private void line(String text) {
        if (barDrawn) {
            out.print("\r\033[K");
            barDrawn = false;
        }
        out.println(text);
        out.flush();
    }
}
