package io.framepack.worker.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.framepack.worker.GoldenCases;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Bucket choice and the LANCZOS resize + centre crop against the official preprocessing. */
class StartImageParityTest {
    private static final String CASE = "image_preprocess_case";
    private final GoldenCases goldens = GoldenCases.load();

    @Test
    void bucketsMatchTheOfficialChoiceForEveryRecordedSize() {
        JsonNode buckets = goldens.caseInfo(CASE).path("buckets");
        assertThat(buckets.size()).isPositive();
        for (JsonNode entry : buckets) {
            Bucket bucket = Bucket.nearest(entry.get("h").asInt(), entry.get("w").asInt());
            assertThat(bucket).as("bucket for %s", entry)
                    .isEqualTo(new Bucket(entry.get("bucket_h").asInt(), entry.get("bucket_w").asInt()));
        }
    }

    @Test
    void lanczosResizeAndCropIsBitExact() {
        JsonNode info = goldens.caseInfo(CASE);
        try (NDManager manager = NDManager.newBaseManager()) {
            RgbImage image = GoldenImages.rgb(goldens.tensor(CASE, "image", manager));
            NDArray expected = goldens.tensor(CASE, "resized_cropped", manager);
            RgbImage actual = StartImage.resizeAndCenterCrop(image, info.get("target_width").asInt(),
                    info.get("target_height").asInt());
            RgbImage reference = GoldenImages.rgb(expected);
            assertThat(actual.width()).isEqualTo(reference.width());
            assertThat(actual.height()).isEqualTo(reference.height());
            assertThat(GoldenImages.maxAbsDifference(actual, reference)).isZero();
        }
    }

    @Test
    void squareInputsGetThePortraitBucket() {
        assertThat(Bucket.nearest(1000, 1000)).isEqualTo(new Bucket(640, 608));
        assertThat(Bucket.nearest(720, 1280)).isEqualTo(new Bucket(480, 832));
    }
}
