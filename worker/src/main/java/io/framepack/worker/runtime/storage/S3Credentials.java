package io.framepack.worker.runtime.storage;

import io.framepack.api.worker.WorkerContract;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.util.Map;

/**
 * The credentials S3 requests are signed with. In a cluster the operator hands the worker the keys
 * of the Secret the resource names, and says whether anything else may be used: the SDK's default
 * chain would otherwise pick up the node's instance role, which a render has no business using.
 */
public final class S3Credentials {
    private S3Credentials() {
    }

    /**
     * The keys from the environment when given; else the SDK's default chain (instance role, web
     * identity, profile files) unless {@link WorkerContract#ENV_S3_AMBIENT_CREDENTIALS} is "false",
     * in which case requests go unsigned (public buckets only). Unset means a run by hand.
     */
    public static AwsCredentialsProvider fromEnvironment(Map<String, String> env) {
        String accessKey = env.get(WorkerContract.ENV_S3_ACCESS_KEY);
        String secretKey = env.get(WorkerContract.ENV_S3_SECRET_KEY);
        if (accessKey != null && secretKey != null) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
        }
        if ("false".equals(env.get(WorkerContract.ENV_S3_AMBIENT_CREDENTIALS))) {
            return AnonymousCredentialsProvider.create();
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
