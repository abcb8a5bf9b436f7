package io.framepack.operator;

import io.framepack.api.v1alpha1.Formats;
import io.framepack.api.v1alpha1.ImageSource;
import io.framepack.api.v1alpha1.InputSpec;
import io.framepack.api.v1alpha1.PvcLocation;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.v1alpha1.RenderTable;
import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.v1alpha1.StorageLocation;
import io.framepack.api.v1alpha1.TimedPromptSpec;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationSpec;
import io.framepack.api.v1alpha1.VideoSource;
import io.framepack.api.v1alpha1.WorkerResources;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The spec checks the CRD makes (OpenAPI and CEL), made again at reconcile time: a cluster may run
 * without CEL, and the operator's defaults are only known here. Each problem names the field and
 * what to do about it. The formats and limits are those of {@link Formats}, which the CRD's rules use;
 * {@link SchedulingValidator} checks the scheduling section.
 */
final class SpecValidator {
    private static final Pattern PARENT_SEGMENT = Pattern.compile(PvcLocation.PARENT_SEGMENT);

    private SpecValidator() {
    }

    static List<String> validate(VideoGeneration vg, OperatorConfig.Defaults defaults) {
        List<String> problems = new ArrayList<>();
        String name = vg.getMetadata().getName();
        if (name.length() > Formats.MAX_NAME_LENGTH) {
            problems.add("metadata.name: at most " + Formats.MAX_NAME_LENGTH + " characters (the worker Job and its pods are named after it)");
        }
        VideoGenerationSpec spec = vg.getSpec();
        if (spec == null) {
            problems.add("spec: required");
            return problems;
        }
        if (spec.unreadable != null) {
            problems.add(spec.unreadable + " (the stored spec does not fit the operator's model: delete the"
                    + " VideoGeneration and create it again with values the CRD accepts)");
            return problems;
        }
        checkInput(spec, problems);
        checkRender(spec.render, problems);
        ResolvedStorage storage = ResolvedStorage.resolve(spec, defaults);
        if (storage.model() == null) {
            problems.add("spec.model: required (the operator has no default model volume configured)");
        } else {
            checkPvc("spec.model.pvc", storage.model(), problems);
        }
        checkStorage("spec.output", storage.output(), problems);
        checkStorage("spec.checkpoints", storage.checkpoints(), problems);
        checkCredentials(spec, storage, problems);
        if (spec.resources != null) {
            checkResources(spec.resources, problems);
        }
        SchedulingValidator.check(spec.scheduling, problems);
        if (spec.queueName != null && (spec.queueName.length() > Formats.DNS_LABEL_MAX || !Formats.matches(Formats.DNS_LABEL, spec.queueName))) {
            problems.add("spec.queueName: must be the name of a Kueue LocalQueue (at most 63 lower-case letters, digits and '-'), got '"
                    + spec.queueName + "'");
        }
        range("spec.backoffLimit", spec.backoffLimit, 0, VideoGenerationSpec.MAX_BACKOFF_LIMIT, problems);
        range("spec.activeDeadlineSeconds", spec.activeDeadlineSeconds, 1, Formats.INT_MAX, problems);
        range("spec.ttlSecondsAfterFinished", spec.ttlSecondsAfterFinished, 0, Formats.INT_MAX, problems);
        return problems;
    }

    private static void bytes(String field, String quantity, List<String> problems) {
        if (quantity != null && !Formats.isPositiveQuantity(Formats.MEMORY, quantity)) {
            problems.add(field + ": must be a positive amount of bytes such as 96Gi (suffixes k, M, G, T, Ki, Mi, Gi, Ti),"
                    + " got '" + quantity + "'");
        }
    }

    private static void checkResources(WorkerResources resources, List<String> problems) {
        range("spec.resources.gpus", resources.gpus, 0, WorkerResources.MAX_GPUS, problems);
        bytes("spec.resources.memory", resources.memory, problems);
        bytes("spec.resources.gpuMemory", resources.gpuMemory, problems);
        if (resources.cpu != null && !Formats.isPositiveQuantity(Formats.CPU, resources.cpu)) {
            problems.add("spec.resources.cpu: must be a positive number of cores such as 8 or 2.5, or of millicores such as 500m, got '"
                    + resources.cpu + "'");
        }
        if (resources.gpuResourceName != null && !Formats.isExtendedResourceName(resources.gpuResourceName)) {
            problems.add("spec.resources.gpuResourceName: must be an extended resource name such as nvidia.com/gpu (a domain outside"
                    + " kubernetes.io, '/', a name), got '" + resources.gpuResourceName + "'");
        }
    }

    /** One prompt for the whole video, or timed prompts from 0 s in increasing order: never both. */
    private static void checkPrompts(VideoGenerationSpec spec, List<String> problems) {
        InputSpec input = spec.input;
        if (input.prompts != null) {
            if (input.prompt != null) {
                problems.add("spec.input: set exactly one of prompt (the whole video) or prompts (timed prompts), not both");
            }
            double seconds = spec.render != null && spec.render.seconds != null ? spec.render.seconds
                    : Double.parseDouble(RenderTable.DEFAULT_SECONDS);
            problems.addAll(TimedPromptSpec.problems(input.prompts, seconds, "spec.input.prompts"));
        } else if (Formats.isBlank(input.prompt)) {
            problems.add("spec.input.prompt: required (or timed prompts in spec.input.prompts), and more than white space");
        }
        maxLength("spec.input.prompt", input.prompt, Formats.PROMPT_MAX, problems);
        if (input.promptBlendSections != null
                && (input.promptBlendSections < 0 || input.promptBlendSections > Formats.PROMPT_BLEND_SECTIONS_MAX)) {
            problems.add("spec.input.promptBlendSections: must be between 0 and " + Formats.PROMPT_BLEND_SECTIONS_MAX
                    + " (got " + input.promptBlendSections + ")");
        }
    }

    private static void checkInput(VideoGenerationSpec spec, List<String> problems) {
        if (spec.input == null) {
            problems.add("spec.input: required (image and prompt)");
            return;
        }
        checkPrompts(spec, problems);
        maxLength("spec.input.negativePrompt", spec.input.negativePrompt, Formats.PROMPT_MAX, problems);
        if ((spec.input.image == null) == (spec.input.video == null)) {
            problems.add("spec.input: set exactly one of image (the start frame) or video (an MP4 the render extends)");
            return;
        }
        if (spec.input.video != null) {
            checkVideo(spec, problems);
            return;
        }
        ImageSource image = spec.input.image;
        long sources = Stream.of(image.url, image.pvc, image.s3, image.inline).filter(s -> s != null).count();
        if (sources != 1) {
            problems.add("spec.input.image: set exactly one of url, pvc, s3 or inline (found " + sources + ")");
        }
        checkFileSource("spec.input.image", image.url, image.pvc, image.s3, "the image file", problems);
        if (image.inline != null && (image.inline.isEmpty() || image.inline.length() % 4 != 0
                || image.inline.length() > Formats.INLINE_IMAGE_MAX || !Formats.matches(Formats.BASE64, image.inline))) {
            problems.add("spec.input.image.inline: must be standard base64 with padding, at most " + Formats.INLINE_IMAGE_MAX + " characters");
        }
    }

    /** The video's source as the image's, but inline; its context frames; forward sampling, the only kind that extends. */
    private static void checkVideo(VideoGenerationSpec spec, List<String> problems) {
        VideoSource video = spec.input.video;
        long sources = Stream.of(video.url, video.pvc, video.s3).filter(s -> s != null).count();
        if (sources != 1) {
            problems.add("spec.input.video: set exactly one of url, pvc or s3 (found " + sources + ")");
        }
        checkFileSource("spec.input.video", video.url, video.pvc, video.s3, "the MP4 file", problems);
        Integer context = spec.input.videoContextFrames;
        if (context != null && (context < Formats.VIDEO_CONTEXT_FRAMES_MIN || context > Formats.VIDEO_CONTEXT_FRAMES_MAX)) {
            problems.add("spec.input.videoContextFrames: must be between " + Formats.VIDEO_CONTEXT_FRAMES_MIN + " and "
                    + Formats.VIDEO_CONTEXT_FRAMES_MAX + " (got " + context + ")");
        }
        if (spec.render == null || spec.render.variant != RenderSettings.Variant.f1) {
            problems.add(VIDEO_NEEDS_F1);
        }
    }

    /** A file the worker reads (the image, the video): at a URL, in a claim or in S3, each well formed. */
    private static void checkFileSource(String field, String url, PvcLocation pvc, S3Location s3, String file,
                                        List<String> problems) {
        if (url != null && !isHttpUrl(url)) {
            problems.add(field + ".url: must be an http:// or https:// URL with a host, in printable ASCII, at most "
                    + Formats.URL_MAX + " characters");
        }
        if (pvc != null) {
            checkPvc(field + ".pvc", pvc, problems);
            if (pvc.path == null || pvc.path.isEmpty()) {
                problems.add(field + ".pvc.path: must name " + file);
            }
        }
        if (s3 != null) {
            checkS3(field + ".s3", s3, problems);
            if (s3.prefix == null || s3.prefix.isEmpty()) {
                problems.add(field + ".s3.prefix: must hold the object key");
            }
        }
    }

    /** The worker's refusal too (exit 65), said before any pod runs. */
    static final String VIDEO_NEEDS_F1 = "spec.input.video: extending a video samples forward from its end:"
            + " set spec.render.variant to f1 (inverted sampling renders the end first)";

    private static void checkRender(RenderSettings render, List<String> problems) {
        if (render != null) {
            problems.addAll(render.problems(field -> "spec.render." + field));
        }
    }

    private static void checkStorage(String field, StorageLocation location, List<String> problems) {
        if (location == null) {
            problems.add(field + ": required (the operator has no default configured)");
            return;
        }
        if ((location.pvc == null) == (location.s3 == null)) {
            problems.add(field + ": set exactly one of pvc or s3");
        }
        if (location.pvc != null) {
            checkPvc(field + ".pvc", location.pvc, problems);
        }
        if (location.s3 != null) {
            checkS3(field + ".s3", location.s3, problems);
        }
    }

    private static void checkPvc(String field, PvcLocation pvc, List<String> problems) {
        if (!isObjectName(pvc.claimName)) {
            problems.add(field + ".claimName: must be the name of a PersistentVolumeClaim, got '" + pvc.claimName + "'");
        }
        maxLength(field + ".path", pvc.path, Formats.PATH_MAX, problems);
        String path = pvc.path == null ? "" : pvc.path;
        if (path.startsWith("/") || PARENT_SEGMENT.matcher(path).find()) {
            problems.add(field + ".path: must be relative to the volume root and must not contain '..'");
        }
    }

    private static void checkS3(String field, S3Location s3, List<String> problems) {
        if (!Formats.matches(Formats.BUCKET_NAME, s3.bucket)) {
            problems.add(field + ".bucket: must be an S3 bucket name, got '" + s3.bucket + "'");
        }
        if (s3.endpoint != null && !isHttpUrl(s3.endpoint)) {
            problems.add(field + ".endpoint: must be an http:// or https:// URL with a host, in printable ASCII");
        }
        if (s3.credentialsSecret != null && !isObjectName(s3.credentialsSecret)) {
            problems.add(field + ".credentialsSecret: must be the name of a Secret, got '" + s3.credentialsSecret + "'");
        }
        maxLength(field + ".prefix", s3.prefix, Formats.KEY_MAX, problems);
        maxLength(field + ".region", s3.region, Formats.REGION_MAX, problems);
    }

    /** The worker gets one pair of S3 credentials, so every S3 location must name the same Secret. */
    private static void checkCredentials(VideoGenerationSpec spec, ResolvedStorage storage, List<String> problems) {
        Set<String> secrets = storage.s3CredentialsSecrets(spec).collect(Collectors.toCollection(TreeSet::new));
        if (secrets.size() > 1) {
            problems.add("spec: all S3 locations must use the same credentialsSecret (found " + secrets + ")");
        }
    }

    static boolean isObjectName(String name) {
        return name != null && name.length() <= Formats.DNS_SUBDOMAIN_MAX && Formats.matches(Formats.DNS_SUBDOMAIN, name);
    }

    private static boolean isHttpUrl(String url) {
        return url.length() <= Formats.URL_MAX && Formats.matches(Formats.HTTP_URL, url);
    }

    /** Lengths in code points, as the API server counts them. */
    private static void maxLength(String field, String value, int max, List<String> problems) {
        if (value != null && value.codePointCount(0, value.length()) > max) {
            problems.add(field + ": at most " + max + " characters");
        }
    }

    static void range(String field, Number value, double min, double max, List<String> problems) {
        if (value != null && (value.doubleValue() < min || value.doubleValue() > max)) {
            problems.add(field + ": must be between " + format(min) + " and " + format(max) + " (got " + value + ")");
        }
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
