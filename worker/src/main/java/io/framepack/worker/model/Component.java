package io.framepack.worker.model;

import java.util.List;

/**
 * The parts of a FramePack model directory, each a folder exactly as Hugging Face ships it, at a
 * fixed place under the root:
 *
 * <pre>
 * &lt;root&gt;/hunyuanvideo/    snapshot of hunyuanvideo-community/HunyuanVideo (the five folders below are used)
 *     text_encoder/  text_encoder_2/  tokenizer/  tokenizer_2/  vae/
 * &lt;root&gt;/flux_redux_bfl/  snapshot of lllyasviel/flux_redux_bfl
 *     feature_extractor/  image_encoder/
 * &lt;root&gt;/framepack/       snapshot of lllyasviel/FramePackI2V_HY or lllyasviel/FramePack_F1_I2V_HY_20250503
 *     config.json  diffusion_pytorch_model-0000N-of-00003.safetensors  diffusion_pytorch_model.safetensors.index.json
 * </pre>
 *
 * e.g. {@code huggingface-cli download hunyuanvideo-community/HunyuanVideo --local-dir <root>/hunyuanvideo}.
 */
public enum Component {
    TEXT_ENCODER("hunyuanvideo/text_encoder", "hunyuanvideo-community/HunyuanVideo", Kind.WEIGHTS),
    TEXT_ENCODER_2("hunyuanvideo/text_encoder_2", "hunyuanvideo-community/HunyuanVideo", Kind.WEIGHTS),
    TOKENIZER("hunyuanvideo/tokenizer", "hunyuanvideo-community/HunyuanVideo", Kind.FILES,
            List.of("tokenizer.json")),
    /** CLIP's slow tokenizer files; a fast {@code tokenizer.json} alone also does. */
    TOKENIZER_2("hunyuanvideo/tokenizer_2", "hunyuanvideo-community/HunyuanVideo", Kind.FILES,
            List.of("vocab.json", "merges.txt")),
    VAE("hunyuanvideo/vae", "hunyuanvideo-community/HunyuanVideo", Kind.WEIGHTS),
    FEATURE_EXTRACTOR("flux_redux_bfl/feature_extractor", "lllyasviel/flux_redux_bfl", Kind.FILES,
            List.of("preprocessor_config.json")),
    IMAGE_ENCODER("flux_redux_bfl/image_encoder", "lllyasviel/flux_redux_bfl", Kind.WEIGHTS),
    TRANSFORMER("framepack", "lllyasviel/FramePackI2V_HY or lllyasviel/FramePack_F1_I2V_HY_20250503", Kind.WEIGHTS);

    /** A folder of {@code config.json} plus safetensors, or of plain files. */
    enum Kind { WEIGHTS, FILES }

    private final String relativePath;
    private final String source;
    private final Kind kind;
    private final List<String> requiredFiles;

    Component(String relativePath, String source, Kind kind) {
        this(relativePath, source, kind, List.of("config.json"));
    }

    Component(String relativePath, String source, Kind kind, List<String> requiredFiles) {
        this.relativePath = relativePath;
        this.source = source;
        this.kind = kind;
        this.requiredFiles = requiredFiles;
    }

    /** Where the component lives under the model root, e.g. {@code hunyuanvideo/vae}. */
    public String relativePath() {
        return relativePath;
    }

    /** The Hugging Face repository (and subfolder) it comes from, for error messages. */
    public String source() {
        String folder = relativePath.contains("/") ? relativePath.substring(relativePath.indexOf('/') + 1) : null;
        return folder == null ? source : source + " / " + folder;
    }

    Kind kind() {
        return kind;
    }

    List<String> requiredFiles() {
        return requiredFiles;
    }
}
