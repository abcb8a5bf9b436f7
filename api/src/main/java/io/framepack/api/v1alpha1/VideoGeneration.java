package io.framepack.api.v1alpha1;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One image-to-video render: what to render, where to read and write, and how far it got. */
@Group(VideoGeneration.GROUP)
@Version(VideoGeneration.VERSION)
@Plural("videogenerations")
@ShortNames("vg")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Progress", jsonPath = ".status.progress", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Variant", jsonPath = ".spec.render.variant", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Seconds", jsonPath = ".spec.render.seconds", type = AdditionalPrinterColumn.Type.NUMBER, priority = 1)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".status.nodeName", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Preemptions", jsonPath = ".status.attempts.preemptions", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "self.metadata.name.size() <= " + Formats.MAX_NAME_LENGTH,
        messageExpression = "'metadata.name must have at most " + Formats.MAX_NAME_LENGTH + " characters (the worker Job,"
                + " its pods and ConfigMaps are named after it), got ' + string(self.metadata.name.size())")
public class VideoGeneration extends CustomResource<VideoGenerationSpec, VideoGenerationStatus> implements Namespaced {
    public static final String GROUP = "framepack.io";
    public static final String VERSION = "v1alpha1";

    /** Declared again to mark the spec required in the CRD, and to read a stored spec leniently. */
    @Override
    @Required
    @JsonDeserialize(using = LenientDeserializer.Spec.class)
    public VideoGenerationSpec getSpec() {
        return super.getSpec();
    }

    /** Declared again to read a stored status leniently. */
    @Override
    @JsonDeserialize(using = LenientDeserializer.Status.class)
    public VideoGenerationStatus getStatus() {
        return super.getStatus();
    }

    @Override
    protected VideoGenerationStatus initStatus() {
        return new VideoGenerationStatus();
    }
}
