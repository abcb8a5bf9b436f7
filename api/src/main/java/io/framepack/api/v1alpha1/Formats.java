package io.framepack.api.v1alpha1;

import java.util.regex.Pattern;

/**
 * Formats and limits of spec values, in one place for the CRD's CEL rules (built from the
 * {@code *_RULE} constants) and the operator's own checks (the {@code is*} methods). Every regular
 * expression is anchored at both ends and means the same in RE2 (the API server) and in Java.
 * The rules carry messages, so a user never sees a raw regular expression.
 */
public final class Formats {
    /**
     * Longest VideoGeneration name: the worker Job is named after it, and Job names end up in pod
     * labels (63 characters) after the controller appends a pod suffix.
     */
    public static final int MAX_NAME_LENGTH = 52;

    /** Object names of the cluster (claims, Secrets, PriorityClasses): a DNS subdomain. */
    public static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    public static final int DNS_SUBDOMAIN_MAX = 253;
    /** A DNS label: Kueue LocalQueue names, namespaces. */
    public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public static final int DNS_LABEL_MAX = 63;

    /**
     * An http or https URL (scheme in any case) with a host, in printable ASCII: anything else must
     * be percent-encoded, so no space or newline can smuggle text past the end.
     */
    public static final String HTTP_URL = "^(?i:https?)://[-A-Za-z0-9._~%!$&*+,;=:@\\[\\]]+([/?#][!-~]*)?$";
    public static final int URL_MAX = 2048;

    /** S3 bucket names (the AWS rules; MinIO and Ceph follow them). */
    public static final String BUCKET_NAME = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";
    public static final int REGION_MAX = 64;
    public static final int KEY_MAX = 1024;
    public static final int PATH_MAX = 1024;

    /** Contains something other than white space (ASCII and Unicode separators). */
    public static final String NOT_BLANK = "[^\\t\\n\\x0B\\f\\r\\p{Z}]";
    public static final int PROMPT_MAX = 4096;
    /**
     * Timed prompts of one render ({@code spec.input.prompts}) and the length of each: bounded so
     * that the largest admitted spec still fits the job ConfigMap (1 MiB) next to an inline image.
     */
    public static final int TIMED_PROMPTS_MAX = 16;
    public static final int TIMED_PROMPT_TEXT_MAX = 512;
    /** A timed prompt's start: whole seconds or up to 3 decimals, with the unit, e.g. {@code 2.5s}. */
    public static final String PROMPT_START = "^[0-9]{1,3}([.][0-9]{1,3})?s$";
    public static final int PROMPT_START_MAX = 8;
    /** A start of zero seconds, however written ({@code 0s}, {@code 0.0s}). */
    public static final String ZERO_START = "^0+([.]0+)?s$";
    /** Sections a prompt change may be blended over ({@code spec.input.promptBlendSections}). */
    public static final int PROMPT_BLEND_SECTIONS_MAX = 64;
    /**
     * LoRAs of one render ({@code spec.model.loras}): 4 keep the largest admitted spec inside the job
     * ConfigMap's 1 MiB (8 made it about 1.05 MB, with every string at its longest).
     */
    public static final int LORAS_MAX = 4;
    /** The largest LoRA multiplier, either sign: shared LoRAs are used between about -2 and 2. */
    public static final int LORA_SCALE_MAX = 4;
    /** A video extension's 1x context frames, FramePack-Studio's range (its default: 5). */
    public static final int VIDEO_CONTEXT_FRAMES_MIN = 2;
    public static final int VIDEO_CONTEXT_FRAMES_MAX = 10;
    public static final int VIDEO_CONTEXT_FRAMES_DEFAULT = 5;

    /** Standard base64 with padding; the length is a multiple of 4 (a separate check). */
    public static final String BASE64 = "^[A-Za-z0-9+/]*={0,2}$";
    /**
     * Longest inline image, in base64 characters (672 KiB of image). The image travels in the job
     * ConfigMap, whose data must stay under 1 MiB; everything else admission lets into that
     * ConfigMap (prompts, locations, settings, all at their maximum length and escaped) takes less
     * than the 128 KiB left over (about 70 KiB, measured by a test).
     */
    public static final int INLINE_IMAGE_MAX = 1024 * 1024 - 128 * 1024;

    /** CPU request: cores with up to 3 decimals or millicores, below a million cores. */
    public static final String CPU = "^([0-9]{1,6}([.][0-9]{1,3})?|[0-9]{1,9}m)$";
    /** Memory: bytes, or a decimal or binary suffix up to T/Ti; always within int64 bytes. */
    public static final String MEMORY = "^([0-9]{1,18}|[0-9]{1,6}([.][0-9]{1,3})?(k|M|G|T|Ki|Mi|Gi|Ti))$";
    /** A quantity of zero, whatever its suffix. */
    public static final String ZERO_QUANTITY = "^[0.]+[A-Za-z]*$";
    public static final int QUANTITY_MAX = 32;

    /**
     * An extended resource name as the Pod API takes it: {@code domain/name}, outside
     * kubernetes.io (so never cpu, memory, hugepages-* or ephemeral-storage).
     */
    public static final String EXTENDED_RESOURCE = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/"
            + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
    /** The API server checks {@code requests.<name>} as a qualified name, so the domain has 244 characters at most. */
    public static final String EXTENDED_RESOURCE_DOMAIN_LENGTH = "^[^/]{1,244}/";
    public static final String KUBERNETES_DOMAIN = "^([^/]*[.])?kubernetes[.]io/";

    /** Label (and taint) keys: an optional DNS subdomain prefix and a name of at most 63 characters. */
    public static final String LABEL_KEY = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
            + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
    public static final String LABEL_KEY_PREFIX_LENGTH = "^([^/]{1,253}/)?[^/]*$";
    public static final int LABEL_KEY_MAX = 317;
    /** Label values: empty, or at most 63 characters of letters, digits, '-', '_' and '.' starting and ending alphanumeric. */
    public static final String LABEL_VALUE = "^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$";
    public static final int LABEL_VALUE_MAX = 63;
    /** An integer as a node affinity Gt/Lt value takes it. */
    public static final String INTEGER = "^-?[0-9]{1,18}$";

    /** Largest value of any integer field: every one fits the Java model's Integer. */
    public static final int INT_MAX = Integer.MAX_VALUE;
    /** Largest byte count in the status: 2^53 - 1, exact in every JSON reader. */
    public static final long BYTES_MAX = 9_007_199_254_740_991L;

    /** Around the text of a {@code messageExpression} that ends with the offending value, in quotes. */
    static final String SHOW_START = "\"";
    static final String SHOW_END = ", got '\" + self + \"'\"";

    static final String IS_LABEL_KEY = "self.matches(r'" + LABEL_KEY + "') && self.matches(r'" + LABEL_KEY_PREFIX_LENGTH + "')";
    static final String LABEL_KEY_ALLOWED = "a label key: an optional DNS subdomain prefix of at most 253 characters and '/', then"
            + " at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
    static final String IS_LABEL_VALUE = "self.matches(r'" + LABEL_VALUE + "')";
    static final String LABEL_VALUE_ALLOWED = "a label value: empty, or at most 63 letters, digits, '-', '_' or '.',"
            + " starting and ending with a letter or digit";
    static final String IS_HTTP_URL = "self.matches(r'" + HTTP_URL + "')";
    static final String HTTP_URL_ALLOWED = "must be an http:// or https:// URL with a host, in printable ASCII without spaces"
            + " (percent-encode other characters)";
    static final String IS_DNS_SUBDOMAIN = "self.matches(r'" + DNS_SUBDOMAIN + "')";
    static final String DNS_SUBDOMAIN_ALLOWED = " must be a Kubernetes object name: at most 253 lower-case letters, digits,"
            + " '-' and '.', starting and ending with a letter or digit";
    static final String IS_EXTENDED_RESOURCE = "self.matches(r'" + EXTENDED_RESOURCE + "') && self.matches(r'"
            + EXTENDED_RESOURCE_DOMAIN_LENGTH + "') && !self.matches(r'" + KUBERNETES_DOMAIN + "')";

    private static final Pattern LABEL_KEY_PATTERN = Pattern.compile(LABEL_KEY);
    private static final Pattern LABEL_KEY_PREFIX_LENGTH_PATTERN = Pattern.compile(LABEL_KEY_PREFIX_LENGTH);
    private static final Pattern LABEL_VALUE_PATTERN = Pattern.compile(LABEL_VALUE);
    private static final Pattern EXTENDED_RESOURCE_PATTERN = Pattern.compile(EXTENDED_RESOURCE);
    private static final Pattern EXTENDED_RESOURCE_DOMAIN_LENGTH_PATTERN = Pattern.compile(EXTENDED_RESOURCE_DOMAIN_LENGTH);
    private static final Pattern KUBERNETES_DOMAIN_PATTERN = Pattern.compile(KUBERNETES_DOMAIN);
    private static final Pattern ZERO_QUANTITY_PATTERN = Pattern.compile(ZERO_QUANTITY);

    private Formats() {
    }

    /** The whole of {@code value} matches {@code regex} (both anchored, so Java and RE2 agree). */
    public static boolean matches(String regex, String value) {
        return value != null && Pattern.compile(regex).matcher(value).matches();
    }

    public static boolean isLabelKey(String key) {
        return key != null && LABEL_KEY_PATTERN.matcher(key).matches() && LABEL_KEY_PREFIX_LENGTH_PATTERN.matcher(key).matches();
    }

    public static boolean isLabelValue(String value) {
        return value != null && LABEL_VALUE_PATTERN.matcher(value).matches();
    }

    public static boolean isExtendedResourceName(String name) {
        return name != null && EXTENDED_RESOURCE_PATTERN.matcher(name).matches()
                && EXTENDED_RESOURCE_DOMAIN_LENGTH_PATTERN.matcher(name).find() && !KUBERNETES_DOMAIN_PATTERN.matcher(name).find();
    }

    public static boolean isBlank(String text) {
        return text == null || !Pattern.compile(NOT_BLANK).matcher(text).find();
    }

    /** A CPU or memory quantity of the given format that is above zero. */
    public static boolean isPositiveQuantity(String format, String quantity) {
        return matches(format, quantity) && !ZERO_QUANTITY_PATTERN.matcher(quantity).matches();
    }
}
