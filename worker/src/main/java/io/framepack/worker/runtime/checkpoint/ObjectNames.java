package io.framepack.worker.runtime.checkpoint;

import io.framepack.worker.tensor.Sha256;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a checkpoint store names its objects. Each checkpoint is a group {@code ckpt-<section>-<nonce>/}
 * holding {@code manifest.json}, written last, and the frames that may still change; settled
 * frames live in shared blocks {@code blocks/<tensor>-<n>-<nonce>.bin}; {@code holds/<holder>.json} name the
 * blocks other renders' checkpoints share ({@link Holds}). Nonces keep a retried
 * write from touching the objects of an earlier one, so every object is immutable once written.
 */
final class ObjectNames {
    static final String MANIFEST = "manifest.json";
    static final String BLOCKS = "blocks/";
    static final String GROUPS = "ckpt-";
    static final String HOLDS = "holds/";
    private static final Pattern GROUP = Pattern.compile("ckpt-(\\d{6})-([0-9a-f]{8})/");
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    private ObjectNames() {
    }

    /** A new group for the checkpoint after {@code sections} sections. */
    static String newGroup(int sections) {
        return String.format("ckpt-%06d-%s/", sections, nonce());
    }

    /** A new key for settled block {@code block} of tensor {@code name}. */
    static String newBlock(String name, int block) {
        return BLOCKS + name + "-" + String.format("%06d", block) + "-" + nonce() + ".bin";
    }

    /** The key of the hold that the store at {@code holder} location keeps here. */
    static String hold(String holder) {
        byte[] digest = Sha256.newDigest().digest(holder.getBytes(StandardCharsets.UTF_8));
        return HOLDS + HexFormat.of().formatHex(digest, 0, 8) + ".json";
    }

    /** The key of changing part {@code index} of {@code count} of tensor {@code name} in {@code group}. */
    static String changingPart(String group, String name, int index, int count) {
        return group + name + (count > 1 ? "." + index : "") + ".bin";
    }

    /** Whether {@code name} can name a file on every store: letters, digits, {@code _ . -}. */
    static boolean isPlain(String name) {
        return PLAIN_NAME.matcher(name).matches();
    }

    /** The group {@code key} belongs to, or null when it belongs to none. */
    static String groupOf(String key) {
        Matcher matcher = GROUP.matcher(key);
        return matcher.lookingAt() ? matcher.group() : null;
    }

    /** The sections completed that a group's name records. */
    static int sectionOf(String group) {
        Matcher matcher = GROUP.matcher(group);
        if (!matcher.lookingAt()) {
            throw new IllegalArgumentException(group);
        }
        return Integer.parseInt(matcher.group(1));
    }

    /** Groups among {@code keys} that have a manifest, newest (most sections) first. */
    static List<String> completeGroupsNewestFirst(List<String> keys) {
        List<String> groups = new ArrayList<>();
        for (String key : keys) {
            String group = groupOf(key);
            if (group != null && key.equals(group + MANIFEST)) {
                groups.add(group);
            }
        }
        groups.sort(Comparator.comparingInt(ObjectNames::sectionOf).reversed());
        return groups;
    }

    private static String nonce() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
