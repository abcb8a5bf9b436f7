package io.framepack.api.v1alpha1;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;

import java.io.IOException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Reads the spec or status of a stored resource so that a value the Java model cannot hold (an
 * integer beyond its range, a wrong type) fails only that resource: the informer reads all
 * resources in one list, and one such resource must not stop the operator for every other. What
 * could not be read comes back as an empty object that says why, for the status to report.
 */
abstract class LenientDeserializer<T extends LenientDeserializer.Unreadable> extends StdDeserializer<T> {
    private static final int MAX_REASON = 300;

    /** A model part that can say it could not be read. */
    interface Unreadable {
        void unreadable(String why);
    }

    private final String root;
    private final Supplier<T> empty;

    LenientDeserializer(Class<T> type, String root, Supplier<T> empty) {
        super(type);
        this.root = root;
        this.empty = empty;
    }

    @Override
    public T deserialize(JsonParser parser, DeserializationContext context) throws IOException {
        JsonNode tree = context.readTree(parser);
        try {
            @SuppressWarnings("unchecked")
            T value = (T) context.readTreeAsValue(tree, handledType());
            return value;
        } catch (DatabindException e) {
            T unreadable = empty.get();
            unreadable.unreadable(describe(e));
            return unreadable;
        }
    }

    /** "spec.a.b[2]: what was wrong", shortened: the message may quote the stored value. */
    private String describe(DatabindException e) {
        String path = e instanceof JsonMappingException mapping ? mapping.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining()) : "";
        String message = root + path + ": " + e.getOriginalMessage();
        return message.length() <= MAX_REASON ? message : message.substring(0, MAX_REASON - 3) + "...";
    }

    static final class Spec extends LenientDeserializer<VideoGenerationSpec> {
        Spec() {
            super(VideoGenerationSpec.class, "spec", VideoGenerationSpec::new);
        }
    }

    static final class Status extends LenientDeserializer<VideoGenerationStatus> {
        Status() {
            super(VideoGenerationStatus.class, "status", VideoGenerationStatus::new);
        }
    }
}
