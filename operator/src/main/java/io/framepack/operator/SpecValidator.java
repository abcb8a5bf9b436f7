package io.framepack.operator;

import io.fabric8.kubernetes.api.model.Quantity;
import io.framepack.api.v1alpha1.ImageSource;
import io.framepack.api.v1alpha1.PvcLocation;
import io.framepack.api.v1alpha1.RenderSettings;
import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.v1alpha1.StorageLocation;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationSpec;

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
 * what to do about it.
 */
final class SpecValidator {
    private static final Pattern RESOURCE_NAME = Pattern.compile(PvcLocation.RESOURCE_NAME);
    private static final Pattern PARENT_SEGMENT = Pattern.compile(PvcLocation.PARENT_SEGMENT);
    private static final Pattern HTTP_URL = Pattern.compile(ImageSource.HTTP_URL);
    private static final Pattern BASE64 = Pattern.compile(ImageSource.BASE64);
    private static final Pattern BUCKET_NAME = Pattern.compile(S3Location.BUCKET_NAME);

    private SpecValidator() {
    }

    static List<String> validate(VideoGeneration vg, OperatorConfig.Defaults defaults) {
        List<String> problems = new ArrayList<>();
        String name = vg.getMetadata().getName();
        if (name.length() > Names.MAX_NAME_LENGTH) {
            problems.add("metadata.name: at most " + Names.MAX_NAME_LENGTH + " characters (the worker Job and its pods are named after it)");
        }
        VideoGenerationSpec spec = vg.getSpec();
        if (spec == null) {
            problems.add("spec: required");
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
            range("spec.resources.gpus", spec.resources.gpus, 0, 16, problems);
            quantity("spec.resources.memory", spec.resources.memory, problems);
            quantity("spec.resources.cpu", spec.resources.cpu, problems);
        }
        range("spec.backoffLimit", spec.backoffLimit, 0, 100, problems);
        if (spec.activeDeadlineSeconds != null && spec.activeDeadlineSeconds < 1) {
            problems.add("spec.activeDeadlineSeconds: must be at least 1");
        }
        if (spec.ttlSecondsAfterFinished != null && spec.ttlSecondsAfterFinished < 0) {
            problems.add("spec.ttlSecondsAfterFinished: must not be negative");
        }
        return problems;
    }

    private static void checkInput(VideoGenerationSpec spec, List<String> problems) {
        if (spec.input == null) {
            problems.add("spec.input: required (image and prompt)");
            return;
        }
        if (spec.input.prompt == null || spec.input.prompt.isBlank()) {
            problems.add("spec.input.prompt: required");
        }
        ImageSource image = spec.input.image;
        if (image == null) {
            problems.add("spec.input.image: required");
            return;
        }
        long sources = Stream.of(image.url, image.pvc, image.s3, image.inline).filter(s -> s != null).count();
        if (sources != 1) {
            problems.add("spec.input.image: set exactly one of url, pvc, s3 or inline (found " + sources + ")");
        }
        if (image.url != null && !HTTP_URL.matcher(image.url).matches()) {
            problems.add("spec.input.image.url: must be an http(s) URL");
        }
        if (image.pvc != null) {
            checkPvc("spec.input.image.pvc", image.pvc, problems);
            if (image.pvc.path == null || image.pvc.path.isEmpty()) {
                problems.add("spec.input.image.pvc.path: must name the image file");
            }
        }
        if (image.s3 != null) {
            checkS3("spec.input.image.s3", image.s3, problems);
            if (image.s3.prefix == null || image.s3.prefix.isEmpty()) {
                problems.add("spec.input.image.s3.prefix: must hold the object key");
            }
        }
        if (image.inline != null && !BASE64.matcher(image.inline).matches()) {
            problems.add("spec.input.image.inline: must be base64");
        }
    }

    private static void checkRender(RenderSettings render, List<String> problems) {
        if (render == null) {
            return;
        }
        if (render.seconds != null && (render.seconds <= 0 || render.seconds > 120)) {
            problems.add("spec.render.seconds: must be in (0, 120]");
        }
        if (render.seed != null && render.seed < 0) {
            problems.add("spec.render.seed: must not be negative");
        }
        range("spec.render.steps", render.steps, 1, 100, problems);
        range("spec.render.distilledGuidance", render.distilledGuidance, 1, 32, problems);
        range("spec.render.cfg", render.cfg, 1, 32, problems);
        range("spec.render.cfgRescale", render.cfgRescale, 0, 1, problems);
        range("spec.render.latentWindowSize", render.latentWindowSize, 1, 33, problems);
        range("spec.render.resolution", render.resolution, 128, 1280, problems);
        range("spec.render.crf", render.crf, 0, 51, problems);
        if (render.resolution != null && render.resolution % 16 != 0) {
            problems.add("spec.render.resolution: must be a multiple of 16");
        }
        if (render.cfgRescale != null && render.cfgRescale != 0.0 && (render.cfg == null || render.cfg <= 1.0)) {
            problems.add("spec.render.cfgRescale: only applies with real guidance: set cfg above 1 or cfgRescale to 0");
        }
        if (render.teaCache != null && render.teaCache.threshold != null
                && (render.teaCache.threshold <= 0 || render.teaCache.threshold > 1)) {
            problems.add("spec.render.teaCache.threshold: must be in (0, 1]");
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
        if (pvc.claimName == null || !RESOURCE_NAME.matcher(pvc.claimName).matches()) {
            problems.add(field + ".claimName: must be the name of a PersistentVolumeClaim");
        }
        String path = pvc.path == null ? "" : pvc.path;
        if (path.startsWith("/") || PARENT_SEGMENT.matcher(path).find()) {
            problems.add(field + ".path: must be relative to the volume root and must not contain '..'");
        }
    }

    private static void checkS3(String field, S3Location s3, List<String> problems) {
        if (s3.bucket == null || !BUCKET_NAME.matcher(s3.bucket).matches()) {
            problems.add(field + ".bucket: must be an S3 bucket name");
        }
        if (s3.endpoint != null && !HTTP_URL.matcher(s3.endpoint).matches()) {
            problems.add(field + ".endpoint: must be an http(s) URL");
        }
    }

    /** The worker gets one pair of S3 credentials, so every S3 location must name the same Secret. */
    private static void checkCredentials(VideoGenerationSpec spec, ResolvedStorage storage, List<String> problems) {
        Set<String> secrets = storage.s3CredentialsSecrets(spec).collect(Collectors.toCollection(TreeSet::new));
        if (secrets.size() > 1) {
            problems.add("spec: all S3 locations must use the same credentialsSecret (found " + secrets + ")");
        }
    }

    private static void range(String field, Number value, double min, double max, List<String> problems) {
        if (value != null && (value.doubleValue() < min || value.doubleValue() > max)) {
            problems.add(field + ": must be between " + format(min) + " and " + format(max) + " (got " + value + ")");
        }
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static void quantity(String field, String value, List<String> problems) {
        if (value == null) {
            return;
        }
        try {
            Quantity.getAmountInBytes(new Quantity(value));
        } catch (RuntimeException e) {
            problems.add(field + ": not a Kubernetes quantity: '" + value + "'");
        }
    }
}
