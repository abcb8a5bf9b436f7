package io.framepack.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.framepack.api.v1alpha1.ImageSource;
import io.framepack.api.v1alpha1.InputSpec;
import io.framepack.api.v1alpha1.PvcLocation;
import io.framepack.api.v1alpha1.RerollSource;
import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.v1alpha1.StorageLocation;
import io.framepack.api.v1alpha1.Scheduling;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.v1alpha1.VideoGenerationSpec;
import io.framepack.api.v1alpha1.VideoGenerationStatus;
import io.framepack.api.v1alpha1.VideoGenerationStatus.Phase;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerJob;
import io.framepack.api.worker.WorkerProgress;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator in Quarkus against the Fabric8 mock API server; {@link SimulatedCluster} plays the
 * Job controller, scheduler, kubelet, worker and garbage collector. Each test has its own namespace.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VideoGenerationReconcilerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    KubernetesClient client;
    @Inject
    MeterRegistry registry;
    @Inject
    Operator operator;
    @Inject
    OperatorConfig config;
    @Inject
    RenderMetrics metrics;

    @Test
    void rendersFromApplyToSucceededWithStatusPerSection() throws Exception {
        String ns = "render";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        double sectionsBefore = registry.counter("framepack.sections.completed").count();
        VideoGeneration vg = create(ns, "dancer", spec -> { });

        Job job = cluster.awaitJob("dancer");
        assertWorkerPod(vg, job);
        VideoGenerationStatus pending = awaitStatus(ns, "dancer", s -> s.phase == Phase.Pending);
        assertThat(pending.jobName).isEqualTo("dancer");
        assertThat(condition(pending, Conditions.RECONCILING).getStatus()).isEqualTo("True");

        Pod pod = cluster.syncJob("dancer");
        pod = cluster.unschedulable(pod, "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
        VideoGenerationStatus waiting = awaitStatus(ns, "dancer", s -> s.message != null && s.message.contains("Insufficient"));
        assertThat(condition(waiting, Conditions.SCHEDULED).getReason()).isEqualTo(Reasons.UNSCHEDULABLE);
        assertThat(waiting.message).startsWith("Waiting for a node with 1 free nvidia.com/gpu");

        pod = cluster.scheduleAndRun(pod, "gpu-node-1");
        VideoGenerationStatus running = awaitStatus(ns, "dancer", s -> s.phase == Phase.Running);
        assertThat(running.nodeName).isEqualTo("gpu-node-1");
        assertThat(condition(running, Conditions.SCHEDULED).getStatus()).isEqualTo("True");

        for (int done = 0; done <= 3; done++) {
            cluster.report(vg, pod, cluster.progress(4, done, null, 1));
            int expected = done;
            VideoGenerationStatus s = awaitStatus(ns, "dancer", st -> (expected + "/4").equals(st.progress));
            assertThat(s.sections).hasSize(done);
            if (done < 4) {
                assertThat(s.currentSection).isEqualTo(done);
                assertThat(s.message).contains("sampling section " + (done + 1) + ", step 7/25");
            }
            if (done > 0) {
                assertThat(s.lastCheckpoint.section).isEqualTo(done);
                assertThat(condition(s, Conditions.CHECKPOINTED).getStatus()).isEqualTo("True");
            }
        }
        cluster.report(vg, pod, cluster.progress(4, 4, null, 1));
        cluster.exit(pod, 0, "Completed");
        cluster.syncJob("dancer");

        VideoGenerationStatus done = awaitStatus(ns, "dancer", s -> s.phase == Phase.Succeeded);
        assertThat(done.progress).isEqualTo("4/4");
        assertThat(done.sections).extracting(s -> s.index).containsExactly(0, 1, 2, 3);
        assertThat(done.sections).allSatisfy(s -> {
            assertThat(s.attempt).isEqualTo(1);
            assertThat(s.durationSeconds).isEqualTo(30.5);
        });
        assertThat(done.output.location).isEqualTo("pvc://framepack-outputs/videos/dancer.mp4");
        assertThat(done.completionTime).isNotNull();
        assertThat(done.currentSection).isNull();
        assertThat(condition(done, Conditions.READY).getStatus()).isEqualTo("True");
        assertThat(condition(done, Conditions.RECONCILING).getStatus()).isEqualTo("False");
        assertThat(condition(done, Conditions.STALLED).getStatus()).isEqualTo("False");
        assertThat(done.observedGeneration).isEqualTo(vg.getMetadata().getGeneration());
        assertThat(cluster.jobs()).hasSize(1);
        await().atMost(WAIT).until(() -> eventReasons(ns, "dancer").containsAll(
                List.of("Pending", "Running", "Succeeded", Reasons.SECTION_COMPLETED, Reasons.UNSCHEDULABLE)));
        assertThat(registry.counter("framepack.sections.completed").count() - sectionsBefore).isEqualTo(4.0);
        // Counted from the operator's cache, which may trail the API server for a moment.
        await().atMost(WAIT).untilAsserted(() -> assertThat(registry.find("framepack.renders").tag("phase", "Succeeded")
                .gauge().value()).isGreaterThanOrEqualTo(1.0));
    }

    @Test
    void preemptionAfterSectionTwoResumesInANewPodWithoutUsingTheCrashBudget() {
        String ns = "preempt";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration vg = create(ns, "harbour", spec -> spec.backoffLimit = 0);
        Pod first = renderOnNewPod(client, cluster, vg, "spot-1", 5, 2);

        cluster.preempt(first);
        VideoGenerationStatus preempted = awaitStatus(ns, "harbour", s -> s.attempts.preemptions == 1);
        assertThat(preempted.phase).isEqualTo(Phase.Pending);
        assertThat(preempted.message).contains("Preempted after 2 section(s)");
        assertThat(preempted.attempts.failures).isZero();
        assertThat(preempted.attempts.history.get(0).message).contains("PreemptionByScheduler");

        Pod second = cluster.syncJob("harbour");
        assertThat(second.getMetadata().getName()).isNotEqualTo(first.getMetadata().getName());
        second = cluster.scheduleAndRun(second, "spot-2");
        cluster.report(vg, second, cluster.progress(5, 3, 2, 2));
        VideoGenerationStatus resumed = awaitStatus(ns, "harbour", s -> "3/5".equals(s.progress) && s.phase == Phase.Running);
        assertThat(resumed.message).startsWith("Resumed from section 2 after 1 preemption(s)");
        assertThat(condition(resumed, Conditions.PROGRESSING).getReason()).isEqualTo(Reasons.RESUMED);
        assertThat(resumed.nodeName).isEqualTo("spot-2");
        assertThat(resumed.sections).extracting(s -> s.attempt).containsExactly(1, 1, 2);

        cluster.report(vg, second, cluster.progress(5, 5, 2, 2));
        cluster.exit(second, 0, "Completed");
        cluster.syncJob("harbour");
        VideoGenerationStatus done = awaitStatus(ns, "harbour", s -> s.phase == Phase.Succeeded);
        assertThat(done.attempts.preemptions).isEqualTo(1);
        assertThat(done.sections).hasSize(5);
        assertThat(eventReasons(ns, "harbour")).contains(Reasons.PREEMPTED);
    }

    @Test
    void crashLoopEndsFailedAfterBackoffLimit() {
        String ns = "crash";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration vg = create(ns, "crashy", spec -> spec.backoffLimit = 2);
        cluster.awaitJob("crashy");
        for (int attempt = 1; attempt <= 3; attempt++) {
            Pod pod = cluster.scheduleAndRun(cluster.syncJob("crashy"), "gpu-1");
            cluster.report(vg, pod, cluster.progress(4, 1, null, attempt));
            if (attempt == 2) {
                cluster.exit(pod, 137, "OOMKilled");
            } else {
                cluster.exit(pod, 1, "Error");
            }
            int failures = attempt;
            VideoGenerationStatus s = awaitStatus(ns, "crashy", st -> st.attempts.failures == failures);
            if (attempt == 2) {
                assertThat(s.phase).isEqualTo(Phase.Pending);
                assertThat(s.message).contains("Worker ran out of memory").contains("raise spec.resources.memory");
                assertThat(condition(s, Conditions.PROGRESSING).getReason()).isEqualTo(Reasons.CRASH_LOOP);
            }
        }
        assertThat(cluster.syncJob("crashy")).isNull();
        VideoGenerationStatus failed = awaitStatus(ns, "crashy", s -> s.phase == Phase.Failed);
        assertThat(failed.message).contains("Worker failed 3 time(s), more than spec.backoffLimit=2")
                .contains("exited with code 1");
        assertThat(condition(failed, Conditions.STALLED).getReason()).isEqualTo(Reasons.BACKOFF_LIMIT_EXCEEDED);
        assertThat(failed.attempts.history).extracting(r -> r.reason)
                .containsExactly(Reasons.CRASHED, Reasons.OOM_KILLED, Reasons.CRASHED);
        assertThat(cluster.pods("crashy")).hasSize(3);
    }

    @Test
    void invalidInputFailsAtOnceWithoutRetry() {
        String ns = "invalid-input";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration vg = create(ns, "broken-image", spec -> spec.backoffLimit = 5);
        cluster.awaitJob("broken-image");
        Pod pod = cluster.scheduleAndRun(cluster.syncJob("broken-image"), "gpu-1");
        WorkerProgress failed = cluster.progress(4, 0, null, 1);
        failed.state = WorkerProgress.State.Failed;
        failed.reason = "InvalidInput";
        failed.message = "cannot decode the start image /input/images/dancer.png: not a PNG, JPEG or WebP file";
        cluster.report(vg, pod, failed);
        cluster.exit(pod, 65, "Error");
        assertThat(cluster.syncJob("broken-image")).isNull();

        VideoGenerationStatus s = awaitStatus(ns, "broken-image", st -> st.phase == Phase.Failed);
        assertThat(s.message).isEqualTo("Worker rejected its input, not retried: " + failed.message);
        assertThat(condition(s, Conditions.STALLED).getReason()).isEqualTo(Reasons.INVALID_INPUT);
        assertThat(cluster.pods("broken-image")).hasSize(1);
    }

    @Test
    void invalidSpecIsATerminalConditionAndCreatesNothing() {
        String ns = "invalid-spec";
        create(ns, "bad", spec -> {
            spec.render.steps = 0;
            spec.input.image.url = "https://example.com/a.png";
        });
        VideoGenerationStatus s = awaitStatus(ns, "bad", st -> st.phase == Phase.Failed);
        assertThat(s.message).contains("spec.render.steps: must be between 1 and 100 (got 0)")
                .contains("spec.input.image: set exactly one of url, pvc, s3 or inline (found 2)");
        assertThat(condition(s, Conditions.STALLED).getReason()).isEqualTo(Reasons.INVALID_SPEC);
        assertThat(new SimulatedCluster(client, ns).jobs()).isEmpty();
    }

    @Test
    void onlySecretsLabelledForFramePackCanBeNamedAsCredentials() {
        String ns = "credentials";
        client.resource(new SecretBuilder().withNewMetadata().withName("team-db").withNamespace(ns).endMetadata()
                .addToStringData(WorkerContract.ENV_S3_ACCESS_KEY, "db-admin").build()).create();
        client.resource(new SecretBuilder().withNewMetadata().withName("render-s3").withNamespace(ns)
                .addToLabels(Names.CREDENTIALS_LABEL, "true").endMetadata()
                .addToStringData(WorkerContract.ENV_S3_ACCESS_KEY, "renders").build()).create();

        create(ns, "borrowed", spec -> spec.output = s3Output("team-db"));
        VideoGenerationStatus borrowed = awaitStatus(ns, "borrowed", st -> st.phase == Phase.Failed);
        assertThat(condition(borrowed, Conditions.STALLED).getReason()).isEqualTo(Reasons.INVALID_SPEC);
        assertThat(borrowed.message).contains("credentialsSecret: Secret 'team-db' is not labelled framepack.io/credentials=true");
        create(ns, "missing", spec -> spec.output = s3Output("nowhere"));
        assertThat(awaitStatus(ns, "missing", st -> st.phase == Phase.Failed).message)
                .contains("credentialsSecret: Secret 'nowhere' does not exist in namespace credentials");

        create(ns, "allowed", spec -> spec.output = s3Output("render-s3"));
        Job job = new SimulatedCluster(client, ns).awaitJob("allowed");
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo(WorkerContract.ENV_S3_ACCESS_KEY);
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("render-s3");
        });
        assertThat(new SimulatedCluster(client, ns).jobs()).extracting(j -> j.getMetadata().getName()).containsExactly("allowed");
    }

    private static StorageLocation s3Output(String credentialsSecret) {
        StorageLocation output = new StorageLocation();
        output.s3 = new S3Location();
        output.s3.bucket = "videos";
        output.s3.credentialsSecret = credentialsSecret;
        return output;
    }

    @Test
    void suspendAndResumeSpendNoBackoffLimit() {
        String ns = "suspend";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration vg = create(ns, "pausable", spec -> spec.backoffLimit = 0);
        renderOnNewPod(client, cluster, vg, "gpu-1", 6, 2);

        editSpec(ns, "pausable", spec -> spec.suspend = true);
        await().atMost(WAIT).until(() -> Boolean.TRUE.equals(cluster.job("pausable").getSpec().getSuspend()));
        cluster.syncJob("pausable");
        VideoGenerationStatus suspended = awaitStatus(ns, "pausable", s -> s.phase == Phase.Suspended && s.attempts.preemptions == 1);
        assertThat(suspended.message).isEqualTo("Suspended after 2/6 sections; set spec.suspend to false to resume");
        assertThat(condition(suspended, Conditions.RECONCILING).getStatus()).isEqualTo("False");
        assertThat(suspended.attempts.failures).isZero();
        assertThat(suspended.attempts.history).extracting(r -> r.reason).containsExactly(Reasons.STOPPED);
        assertThat(cluster.pods("pausable")).noneMatch(p -> "Running".equals(p.getStatus().getPhase()));

        editSpec(ns, "pausable", spec -> spec.suspend = false);
        await().atMost(WAIT).until(() -> Boolean.FALSE.equals(cluster.job("pausable").getSpec().getSuspend()));
        Pod resumed = cluster.scheduleAndRun(cluster.syncJob("pausable"), "gpu-2");
        cluster.report(vg, resumed, cluster.progress(6, 3, 2, 2));
        VideoGenerationStatus running = awaitStatus(ns, "pausable", s -> s.phase == Phase.Running && "3/6".equals(s.progress));
        assertThat(running.nodeName).isEqualTo("gpu-2");
        assertThat(running.attempts.failures).isZero();
        assertThat(cluster.jobs()).hasSize(1);
    }

    @Test
    void queuedThroughKueueStartsSuspendedAndWaitsForAdmission() {
        String ns = "kueue";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        create(ns, "queued", spec -> spec.queueName = "gpu-batch");
        Job job = cluster.awaitJob("queued");
        assertThat(job.getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "gpu-batch");
        assertThat(job.getSpec().getSuspend()).isTrue();
        VideoGenerationStatus queued = awaitStatus(ns, "queued", s -> s.phase == Phase.Queued);
        assertThat(queued.message).contains("queue gpu-batch");
        assertThat(condition(queued, Conditions.SCHEDULED).getReason()).isEqualTo(Reasons.QUEUED);

        // Kueue admits the workload by resuming the Job; the operator must not suspend it again.
        client.batch().v1().jobs().inNamespace(ns).withName("queued").edit(j -> {
            j.getSpec().setSuspend(false);
            return j;
        });
        Pod pod = cluster.scheduleAndRun(cluster.syncJob("queued"), "gpu-1");
        awaitStatus(ns, "queued", s -> s.phase == Phase.Running && pod.getMetadata().getName().equals(s.podName));
        assertThat(cluster.job("queued").getSpec().getSuspend()).isFalse();
    }

    @Test
    void kueueOwnsTheSuspendOfAQueuedJobAndItsEvictionsSpendNoBackoffLimit() {
        String ns = "kueue-evict";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration vg = create(ns, "evicted", spec -> {
            spec.queueName = "gpu-batch";
            spec.suspend = true;
            spec.backoffLimit = 0;
        });
        VideoGenerationStatus held = awaitStatus(ns, "evicted", s -> s.phase == Phase.Suspended);
        assertThat(held.message).contains("set spec.suspend to false to queue it");
        assertThat(cluster.jobs()).as("Kueue would resume a queued Job: none before the resource is resumed").isEmpty();

        editSpec(ns, "evicted", spec -> spec.suspend = false);
        cluster.awaitJob("evicted");
        cluster.kueueSetsSuspend("evicted", false);
        Pod first = cluster.scheduleAndRun(cluster.syncJob("evicted"), "gpu-1");
        cluster.report(vg, first, cluster.progress(4, 1, null, 1));
        awaitStatus(ns, "evicted", s -> s.phase == Phase.Running && "1/4".equals(s.progress));

        cluster.kueueSetsSuspend("evicted", true);
        cluster.syncJob("evicted");
        VideoGenerationStatus queued = awaitStatus(ns, "evicted", s -> s.phase == Phase.Queued && s.attempts.preemptions == 1);
        assertThat(queued.attempts.failures).isZero();
        cluster.kueueSetsSuspend("evicted", false);
        Pod second = cluster.scheduleAndRun(cluster.syncJob("evicted"), "gpu-2");
        awaitStatus(ns, "evicted", s -> s.phase == Phase.Running && second.getMetadata().getName().equals(s.podName));

        // Suspending the resource does not make the operator take the Job's suspend from Kueue.
        editSpec(ns, "evicted", spec -> spec.suspend = true);
        VideoGenerationStatus notApplied = awaitStatus(ns, "evicted", s -> s.message.contains("spec.suspend is not applied"));
        assertThat(notApplied.phase).isEqualTo(Phase.Running);
        assertThat(cluster.job("evicted").getSpec().getSuspend()).isFalse();
    }

    @Test
    void imagePullErrorsAndDeadlinesAreExplained() {
        String ns = "pull";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        create(ns, "unpullable", spec -> spec.activeDeadlineSeconds = 3600L);
        Job job = cluster.awaitJob("unpullable");
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
        cluster.imagePullBackOff(cluster.syncJob("unpullable"), "gpu-1");
        VideoGenerationStatus stalled = awaitStatus(ns, "unpullable",
                s -> "True".equals(condition(s, Conditions.STALLED).getStatus()));
        assertThat(condition(stalled, Conditions.STALLED).getReason()).isEqualTo(Reasons.IMAGE_PULL_ERROR);
        assertThat(stalled.message).startsWith("Cannot pull the worker image: ImagePullBackOff: Back-off pulling image");

        cluster.passTime(Duration.ofSeconds(3600));
        cluster.syncJob("unpullable"); // the deadline passed: the Job controller stops the pod
        cluster.syncJob("unpullable"); // ... and fails the Job once it has ended
        VideoGenerationStatus failed = awaitStatus(ns, "unpullable", s -> s.phase == Phase.Failed);
        assertThat(condition(failed, Conditions.STALLED).getReason()).isEqualTo(Reasons.DEADLINE_EXCEEDED);
        assertThat(failed.message).contains("spec.activeDeadlineSeconds=3600");
    }

    @Test
    void podsRefusedByAdmissionStallTheRenderWithTheReason() {
        String ns = "refused";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        create(ns, "urgent", spec -> {
            spec.scheduling = new Scheduling();
            spec.scheduling.priorityClassName = "render-high";
        });
        cluster.awaitJob("urgent");
        assertThat(cluster.syncJob("urgent")).isNull();
        // A pod informer event would come with a pod; none comes, so a change of the Job itself wakes the operator here.
        VideoGenerationStatus stalled = awaitStatus(ns, "urgent", s -> "True".equals(condition(s, Conditions.STALLED).getStatus()));
        assertThat(condition(stalled, Conditions.STALLED).getReason()).isEqualTo(Reasons.POD_CREATE_REFUSED);
        assertThat(stalled.message).contains("no PriorityClass with name render-high");
        await().atMost(WAIT).until(() -> eventReasons(ns, "urgent").contains(Reasons.POD_CREATE_REFUSED));

        client.scheduling().v1().priorityClasses().resource(new PriorityClassBuilder().withNewMetadata()
                .withName("render-high").endMetadata().withValue(1000).build()).create();
        Pod pod = cluster.scheduleAndRun(cluster.syncJob("urgent"), "gpu-1");
        VideoGenerationStatus running = awaitStatus(ns, "urgent", s -> s.phase == Phase.Running);
        assertThat(running.podName).isEqualTo(pod.getMetadata().getName());
        assertThat(condition(running, Conditions.STALLED).getStatus()).isEqualTo("False");
    }

    @Test
    void deletionRemovesEverythingItOwns() {
        String ns = "delete";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration vg = create(ns, "doomed", spec -> { });
        renderOnNewPod(client, cluster, vg, "gpu-1", 3, 1);
        assertThat(client.configMaps().inNamespace(ns).list().getItems()).hasSize(2);
        assertThat(client.serviceAccounts().inNamespace(ns).list().getItems()).hasSize(1);

        client.resources(VideoGeneration.class).inNamespace(ns).withName("doomed").delete();
        cluster.collectGarbage();
        assertThat(cluster.jobs()).isEmpty();
        assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.configMaps().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.serviceAccounts().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.rbac().roles().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.rbac().roleBindings().inNamespace(ns).list().getItems()).isEmpty();
        // Nothing comes back: the operator does not re-create objects for a deleted resource.
        await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> cluster.jobs().isEmpty());
    }

    @Test
    void theJobExpiresOnlyAfterItsOutcomeIsRecordedAndTheRenderIsNotRepeated() {
        String ns = "ttl";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration vg = create(ns, "brief", spec -> spec.ttlSecondsAfterFinished = 0);
        assertThat(cluster.awaitJob("brief").getSpec().getTtlSecondsAfterFinished()).isNull();
        Pod pod = renderOnNewPod(client, cluster, vg, "gpu-1", 2, 2);
        cluster.exit(pod, 0, "Completed");
        cluster.syncJob("brief");
        cluster.expireFinishedJobs();
        assertThat(cluster.job("brief")).as("no TTL before the status holds the outcome").isNotNull();

        awaitStatus(ns, "brief", s -> s.phase == Phase.Succeeded);
        await().atMost(WAIT).until(() -> Integer.valueOf(0).equals(cluster.job("brief").getSpec().getTtlSecondsAfterFinished()));
        cluster.expireFinishedJobs();
        assertThat(cluster.jobs()).isEmpty();
        await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> cluster.jobs().isEmpty());
        assertThat(awaitStatus(ns, "brief", s -> true).phase).isEqualTo(Phase.Succeeded);
    }

    @Test
    void aResourceCreatedAgainWithTheSameNameNeverAdoptsTheEarlierOnesResult() {
        String ns = "recreate";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration first = create(ns, "phoenix", spec -> { });
        Pod pod = renderOnNewPod(client, cluster, first, "gpu-1", 2, 2);
        cluster.exit(pod, 0, "Completed");
        cluster.syncJob("phoenix");
        awaitStatus(ns, "phoenix", s -> s.phase == Phase.Succeeded);
        String oldJob = cluster.job("phoenix").getMetadata().getUid();

        // Deleted and created again before the garbage collector removed the first one's objects.
        client.resources(VideoGeneration.class).inNamespace(ns).withName("phoenix").delete();
        await().atMost(WAIT).until(() -> client.resources(VideoGeneration.class).inNamespace(ns).withName("phoenix").get() == null);
        VideoGeneration second = create(ns, "phoenix", spec -> { });
        VideoGenerationStatus waiting = awaitStatus(ns, "phoenix",
                s -> Reasons.WAITING_FOR_OLD_OBJECTS.equals(condition(s, Conditions.RECONCILING).getReason()));
        assertThat(waiting.phase).isEqualTo(Phase.Pending);
        assertThat(waiting.message).contains("Job phoenix").contains("ConfigMap phoenix-job");
        assertThat(waiting.output).isNull();
        assertThat(cluster.job("phoenix").getMetadata().getUid()).isEqualTo(oldJob);

        cluster.collectGarbage();
        await().atMost(WAIT).until(() -> cluster.job("phoenix") != null && second.getMetadata().getUid()
                .equals(cluster.job("phoenix").getMetadata().getOwnerReferences().get(0).getUid()));
        VideoGenerationStatus fresh = awaitStatus(ns, "phoenix",
                s -> !Reasons.WAITING_FOR_OLD_OBJECTS.equals(condition(s, Conditions.RECONCILING).getReason()));
        assertThat(fresh.phase).isEqualTo(Phase.Pending);
        assertThat(fresh.sections).isEmpty();
        ConfigMap jobMap = client.configMaps().inNamespace(ns).withName("phoenix-job").get();
        assertThat(jobMap.getData().get("job.json")).contains(second.getMetadata().getUid());
    }

    @Test
    void aWorkerCannotBreakAnotherRenderThroughItsProgressConfigMap() {
        String ns = "hostile";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration victim = create(ns, "victim", spec -> { });
        VideoGeneration attacker = create(ns, "attacker", spec -> { });
        Pod attackerPod = renderOnNewPod(client, cluster, attacker, "gpu-1", 4, 1);
        // The worker's Role lets it update its progress ConfigMap, metadata included.
        client.configMaps().inNamespace(ns).withName("attacker-progress").edit(cm -> {
            cm.getMetadata().getOwnerReferences().add(new OwnerReferenceBuilder(WorkerObjects.ownerReference(victim))
                    .withController(false).withBlockOwnerDeletion(false).build());
            return cm;
        });
        cluster.report(attacker, attackerPod, cluster.progress(4, 2, null, 1));

        Pod victimPod = cluster.scheduleAndRun(cluster.syncJob("victim"), "gpu-2");
        VideoGenerationStatus running = awaitStatus(ns, "victim", s -> s.phase == Phase.Running);
        assertThat(running.podName).isEqualTo(victimPod.getMetadata().getName());
        assertThat(running.progress).isNull();
        cluster.report(victim, victimPod, cluster.progress(3, 1, null, 1));
        awaitStatus(ns, "victim", s -> "1/3".equals(s.progress));
        awaitStatus(ns, "attacker", s -> "2/4".equals(s.progress));
    }

    /** Runs last: it stops the operator of the Quarkus application and replaces it by a fresh one. */
    /** A re-roll waits for its source's checkpoint, watching the source, and its job then names where it starts. */
    @Test
    void aRerollWaitsForItsSourcesSectionAndStartsWhenItsCheckpointArrives() throws Exception {
        String ns = "reroll";
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration source = create(ns, "first", spec -> { });
        cluster.awaitJob("first");
        Pod pod = cluster.scheduleAndRun(cluster.syncJob("first"), "gpu-node-1");
        cluster.report(source, pod, cluster.progress(4, 1, null, 1));
        awaitStatus(ns, "first", s -> s.lastCheckpoint != null && s.lastCheckpoint.section == 1);

        create(ns, "second", spec -> {
            spec.from = new RerollSource();
            spec.from.name = "first";
            spec.from.section = 2;
            spec.render.seed = 7L;
        });
        VideoGenerationStatus waiting = awaitStatus(ns, "second",
                s -> s.message != null && s.message.startsWith("Waiting for first to checkpoint section 2"));
        assertThat(waiting.phase).isEqualTo(Phase.Pending);
        assertThat(condition(waiting, Conditions.SCHEDULED).getReason()).isEqualTo(Reasons.WAITING_FOR_SOURCE);
        assertThat(client.batch().v1().jobs().inNamespace(ns).withName("second").get()).isNull();

        // Nothing of the re-roll changes: the source's progress alone brings it on.
        cluster.report(source, pod, cluster.progress(4, 2, null, 1));
        cluster.awaitJob("second");
        String job = client.configMaps().inNamespace(ns).withName("second-job").get().getData().values().iterator().next();
        WorkerJob worker = new ObjectMapper().readValue(job, WorkerJob.class);
        assertThat(worker.from.jobId).isEqualTo(ns + "/first/" + source.getMetadata().getUid());
        assertThat(worker.from.section).isEqualTo(2);
        assertThat(awaitStatus(ns, "second", s -> s.specHash != null).specHash).isEqualTo(worker.specHash);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void operatorRestartMidRenderNeitherDuplicatesTheJobNorRecountsAttempts() {
        String ns = "restart";
        // Stopping the application's operator closes its client: the test and the new operator use their own.
        KubernetesClient client = new KubernetesClientBuilder().withConfig(this.client.getConfiguration()).build();
        SimulatedCluster cluster = new SimulatedCluster(client, ns);
        VideoGeneration vg = create(client, ns, "long", spec -> { });
        Pod first = renderOnNewPod(client, cluster, vg, "gpu-1", 8, 3);
        cluster.preempt(first);
        awaitStatus(client, ns, "long", s -> s.attempts.preemptions == 1);
        Pod second = cluster.scheduleAndRun(cluster.syncJob("long"), "gpu-2");
        cluster.report(vg, second, cluster.progress(8, 4, 3, 2));
        awaitStatus(client, ns, "long", s -> "4/8".equals(s.progress));

        operator.stop();
        // While no operator runs, the worker goes on.
        cluster.report(vg, second, cluster.progress(8, 5, 3, 2));

        Operator restarted = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
                .withUseSSAToPatchPrimaryResource(false));
        restarted.register(new VideoGenerationReconciler(config, metrics));
        restarted.start();
        try {
            VideoGenerationStatus s = awaitStatus(client, ns, "long", st -> "5/8".equals(st.progress));
            assertThat(cluster.jobs()).hasSize(1);
            assertThat(s.attempts.preemptions).isEqualTo(1);
            assertThat(s.attempts.history).hasSize(1);
            assertThat(s.sections).extracting(x -> x.attempt).containsExactly(1, 1, 1, 2, 2);
            cluster.report(vg, second, cluster.progress(8, 8, 3, 2));
            cluster.exit(second, 0, "Completed");
            cluster.syncJob("long");
            awaitStatus(client, ns, "long", st -> st.phase == Phase.Succeeded);
            assertThat(cluster.jobs()).hasSize(1);
        } finally {
            restarted.stop();
            client.close();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** The pod template is what the real worker will run: command, mounts, env, security, GPU. */
    private void assertWorkerPod(VideoGeneration vg, Job job) throws Exception {
        assertThat(job.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(vg.getMetadata().getUid()));
        assertThat(job.getSpec().getPodReplacementPolicy()).isEqualTo("Failed");
        assertThat(job.getSpec().getBackoffLimit()).isEqualTo(3);
        assertThat(job.getSpec().getPodFailurePolicy().getRules()).extracting(r -> r.getAction())
                .containsExactly("Ignore", "Ignore", "FailJob", "Count");
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getServiceAccountName()).isEqualTo("dancer-worker");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        Container worker = pod.getContainers().get(0);
        assertThat(worker.getCommand()).containsExactly("framepack-worker", "run");
        assertThat(worker.getImage()).isEqualTo(config.worker().image());
        assertThat(worker.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(worker.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(worker.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(worker.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"))
                .containsEntry("memory", new Quantity("96Gi"));
        // The resource names no placement: the test profile's cluster-wide node selector and toleration apply.
        assertThat(pod.getNodeSelector()).isEqualTo(TestConfig.GPU_NODES);
        assertThat(pod.getTolerations()).containsExactly(TestConfig.GPU_TAINT);
        Map<String, VolumeMount> mounts = new HashMap<>();
        worker.getVolumeMounts().forEach(m -> mounts.put(m.getMountPath(), m));
        assertThat(mounts).containsKeys("/etc/framepack", WorkerContract.MODEL_MOUNT, WorkerContract.OUTPUT_MOUNT,
                WorkerContract.CHECKPOINT_MOUNT, WorkerContract.INPUT_MOUNT, WorkerContract.SCRATCH_MOUNT);
        assertThat(mounts.get(WorkerContract.MODEL_MOUNT).getReadOnly()).isTrue();
        assertThat(mounts.get("/etc/framepack").getReadOnly()).isTrue();
        assertThat(mounts.get(WorkerContract.OUTPUT_MOUNT).getSubPath()).isEqualTo("videos");
        Map<String, Volume> volumes = new HashMap<>();
        pod.getVolumes().forEach(v -> volumes.put(v.getName(), v));
        assertThat(volumes.get("model").getPersistentVolumeClaim().getClaimName()).isEqualTo("framepack-models");
        assertThat(volumes.get("checkpoints").getPersistentVolumeClaim().getClaimName()).isEqualTo("framepack-checkpoints");
        assertThat(worker.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo(WorkerContract.ENV_POD_NAME);
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        });
        assertThat(worker.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo(WorkerContract.ENV_PROGRESS_CONFIGMAP);
            assertThat(e.getValue()).isEqualTo("dancer-progress");
        });

        ConfigMap jobMap = client.configMaps().inNamespace(job.getMetadata().getNamespace()).withName("dancer-job").get();
        WorkerJob workerJob = Serialization.jsonMapper().readValue(jobMap.getData().get("job.json"), WorkerJob.class);
        assertThat(workerJob.jobId).isEqualTo(Names.jobId(vg));
        assertThat(workerJob.image.file).isEqualTo("/input/images/dancer.png");
        assertThat(workerJob.output.directory).isEqualTo(WorkerContract.OUTPUT_MOUNT);
        assertThat(workerJob.checkpoints.directory).isEqualTo(WorkerContract.CHECKPOINT_MOUNT);
        assertThat(workerJob.render.steps).isEqualTo(25);
        assertThat(workerJob.specHash).hasSize(24);

        Role role = client.rbac().roles().inNamespace(job.getMetadata().getNamespace()).withName("dancer-worker").get();
        assertThat(role.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getResources()).containsExactly("configmaps");
            assertThat(rule.getResourceNames()).containsExactly("dancer-progress");
            assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "patch");
        });
        ConfigMap progress = client.configMaps().inNamespace(job.getMetadata().getNamespace()).withName("dancer-progress").get();
        assertThat(progress.getMetadata().getLabels()).containsKey(WorkerContract.PROGRESS_LABEL);
    }

    /** Lets the Job controller start the render's first pod on {@code node} and the worker finish {@code done} sections. */
    private static Pod renderOnNewPod(KubernetesClient client, SimulatedCluster cluster, VideoGeneration vg, String node,
                                      int total, int done) {
        String name = vg.getMetadata().getName();
        cluster.awaitJob(name);
        Pod pod = cluster.scheduleAndRun(cluster.syncJob(name), node);
        cluster.report(vg, pod, cluster.progress(total, done, null, 1));
        awaitStatus(client, vg.getMetadata().getNamespace(), name, s -> (done + "/" + total).equals(s.progress));
        return pod;
    }

    private VideoGeneration create(String ns, String name, Consumer<VideoGenerationSpec> customize) {
        return create(client, ns, name, customize);
    }

    private static VideoGeneration create(KubernetesClient client, String ns, String name, Consumer<VideoGenerationSpec> customize) {
        VideoGenerationSpec spec = new VideoGenerationSpec();
        spec.input = new InputSpec();
        spec.input.prompt = "The girl dances gracefully, with clear movements, full of charm.";
        spec.input.image = new ImageSource();
        spec.input.image.pvc = new PvcLocation();
        spec.input.image.pvc.claimName = "framepack-inputs";
        spec.input.image.pvc.path = "images/dancer.png";
        spec.output = new StorageLocation();
        spec.output.pvc = new PvcLocation();
        spec.output.pvc.claimName = "framepack-outputs";
        spec.output.pvc.path = "videos";
        spec.resources.memory = "96Gi";
        customize.accept(spec);
        VideoGeneration vg = new VideoGeneration();
        vg.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        vg.setSpec(spec);
        return client.resource(vg).create();
    }

    private void editSpec(String ns, String name, Consumer<VideoGenerationSpec> change) {
        client.resources(VideoGeneration.class).inNamespace(ns).withName(name).edit(vg -> {
            change.accept(vg.getSpec());
            return vg;
        });
    }

    private VideoGenerationStatus awaitStatus(String ns, String name, Predicate<VideoGenerationStatus> until) {
        return awaitStatus(client, ns, name, until);
    }

    private static VideoGenerationStatus awaitStatus(KubernetesClient client, String ns, String name,
                                                     Predicate<VideoGenerationStatus> until) {
        VideoGenerationStatus[] last = new VideoGenerationStatus[1];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            VideoGeneration vg = client.resources(VideoGeneration.class).inNamespace(ns).withName(name).get();
            last[0] = vg.getStatus();
            return last[0] != null && last[0].phase != null && until.test(last[0]);
        });
        return last[0];
    }

    private static Condition condition(VideoGenerationStatus status, String type) {
        return Conditions.find(status.conditions, type).orElseThrow(() -> new AssertionError("no condition " + type));
    }

    private List<String> eventReasons(String ns, String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
    }
}
