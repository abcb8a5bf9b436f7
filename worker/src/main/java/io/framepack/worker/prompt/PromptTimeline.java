package io.framepack.worker.prompt;

import io.framepack.worker.pipeline.SectionSchedule;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which prompt conditions each section of a render, exactly as FramePack-Studio chooses it
 * ({@code modules/prompt_handler.py} for the spans, {@code modules/pipelines/worker.py} lines 711-779
 * for the choice; golden table {@code goldens/creative/timed_prompts_case.json}).
 *
 * <ol>
 *   <li>Spans: a missing end is the next prompt's start, the last one's the requested duration; both
 *       ends snap to multiples of one section's {@code (4K − 3)/30} s (half to even), an end at or
 *       before its start becomes start plus one section. The inverted schedule renders the end of
 *       the video first, so its spans are mirrored ({@code [d − end, d − start)}) and re-sorted.</li>
 *   <li>A section's time position is {@code (latent frames generated before it · 4 − 3)/30} s
 *       (0.01 when negative); the first span holding it gives the prompt, else the first span's.</li>
 *   <li>Blending ({@code blendSections > 0}): the reference compares the section counter with the
 *       positions in the span list where the prompt changes, so section {@code k} blends the
 *       prompts of change {@code k − 1} and change {@code k} with {@code alpha = 1/blendSections}
 *       when change {@code k} sits at span {@code k}; other sections take their own prompt.</li>
 * </ol>
 */
public final class PromptTimeline {
    private static final double FPS = SectionSchedule.FRAMES_PER_SECOND;

    private final List<PromptSpan> spans;
    private final List<String> prompts;
    private final List<SectionPrompt> sections;

    private PromptTimeline(List<PromptSpan> spans, List<String> prompts, List<SectionPrompt> sections) {
        this.spans = spans;
        this.prompts = prompts;
        this.sections = sections;
    }

    public static PromptTimeline of(List<TimedPrompt> timed, double seconds, SectionSchedule schedule,
                                    int blendSections) {
        if (timed == null || timed.isEmpty()) {
            throw new IllegalArgumentException("a timeline needs at least one prompt");
        }
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException("the video's duration must be a positive number of seconds, got "
                    + seconds);
        }
        if (blendSections < 0) {
            throw new IllegalArgumentException("blend sections must be 0 (no blending) or more, got " + blendSections);
        }
        List<PromptSpan> spans = spans(timed, seconds, schedule.window(), schedule.growsAtStart());
        List<String> prompts = spans.stream().map(PromptSpan::text).distinct().toList();
        List<Integer> changes = changePositions(spans);
        List<SectionPrompt> sections = new ArrayList<>();
        for (int section = 0; section < schedule.sections(); section++) {
            double time = timePosition(schedule.generatedFramesAfter(section));
            int prompt = prompts.indexOf(spans.stream().filter(s -> s.holds(time)).findFirst()
                    .orElse(spans.get(0)).text());
            sections.add(new SectionPrompt(time, prompt, blend(section, changes, spans, prompts, blendSections)));
        }
        return new PromptTimeline(spans, prompts, List.copyOf(sections));
    }

    /** The spans in the order the reference searches them. */
    public List<PromptSpan> spans() {
        return spans;
    }

    /** The distinct prompt texts, in span order; {@link SectionPrompt} indexes this list. */
    public List<String> prompts() {
        return prompts;
    }

    /** Section {@code section}'s conditioning, counted in generation order. */
    public SectionPrompt section(int section) {
        return sections.get(section);
    }

    private static List<PromptSpan> spans(List<TimedPrompt> timed, double seconds, int window, boolean mirrored) {
        List<TimedPrompt> sorted = new ArrayList<>(timed);
        sorted.sort(Comparator.comparingDouble(TimedPrompt::start));
        double sectionSeconds = (window * 4 - 3) / FPS;
        List<PromptSpan> spans = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            TimedPrompt prompt = sorted.get(i);
            double end = prompt.end().orElse(i + 1 < sorted.size() ? sorted.get(i + 1).start() : seconds);
            double snappedStart = Math.rint(prompt.start() / sectionSeconds) * sectionSeconds;
            double snappedEnd = Math.rint(end / sectionSeconds) * sectionSeconds;
            if (snappedEnd <= snappedStart) {
                snappedEnd = snappedStart + sectionSeconds;
            }
            spans.add(mirrored ? new PromptSpan(prompt.text(), seconds - snappedEnd, seconds - snappedStart)
                    : new PromptSpan(prompt.text(), snappedStart, snappedEnd));
        }
        if (mirrored) {
            spans.sort(Comparator.comparingDouble(PromptSpan::start));
        }
        return List.copyOf(spans);
    }

    private static double timePosition(int framesBefore) {
        double time = (framesBefore * 4 - 3) / FPS;
        return time < 0 ? 0.01 : time;
    }

    /** Positions in the span list where the prompt text differs from the span before. */
    private static List<Integer> changePositions(List<PromptSpan> spans) {
        List<Integer> changes = new ArrayList<>();
        for (int i = 0; i < spans.size(); i++) {
            if (i == 0 || !spans.get(i).text().equals(spans.get(i - 1).text())) {
                changes.add(i);
            }
        }
        return changes;
    }

    private static SectionPrompt.Blend blend(int section, List<Integer> changes, List<PromptSpan> spans,
                                             List<String> prompts, int blendSections) {
        if (blendSections == 0 || spans.size() < 2) {
            return null;
        }
        // The first change at or after the section decides; only an exact hit past the first blends.
        for (int i = 0; i < changes.size(); i++) {
            if (section <= changes.get(i)) {
                if (section < changes.get(i) || i == 0) {
                    return null;
                }
                return new SectionPrompt.Blend(prompts.indexOf(spans.get(changes.get(i - 1)).text()),
                        prompts.indexOf(spans.get(changes.get(i)).text()), 1.0 / blendSections);
            }
        }
        return null;
    }
}
