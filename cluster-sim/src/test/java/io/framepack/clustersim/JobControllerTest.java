package io.framepack.clustersim;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The simulated Job controller, kubelet, TTL controller and garbage collector against the
 * behaviour https://kubernetes.io/docs/concepts/workloads/controllers/job/ documents; each test
 * names the section it checks.
 */
@EnableKubernetesMockClient(crud = true)
class JobControllerTest {
    private static final String NS = "sim";
    private static final int CLEAN_STOP = 75;

    KubernetesClient client;
    private SteppingClock clock;
    private JobController jobs;
    private Kubelet kubelet;

    @BeforeEach
    void cluster() {
        clock = new SteppingClock(Instant.parse("2026-01-01T00:00:00Z"));
        jobs = new JobController(client, NS, clock, PodAdmission.priorityAndRuntimeClasses(client));
        kubelet = new Kubelet(client, NS, clock, Containers.scripted(CLEAN_STOP));
    }

    /** "Pod Template", "Pod selector", "Job tracking with finalizers". */
    @Test
    void podsComeFromTheTemplateLabelledAndOwnedByTheJobWithTheTrackingFinalizer() {
        Job job = create("render", spec -> spec);
        Pod pod = jobs.sync("render");
        assertThat(pod.getMetadata().getName()).matches("render-[bcdfghjklmnpqrstvwxz2456789]{5}");
        assertThat(pod.getMetadata().getLabels()).containsEntry("app", "worker")
                .containsEntry(JobController.JOB_NAME_LABEL, "render")
                .containsEntry(JobController.CONTROLLER_UID_LABEL, job.getMetadata().getUid())
                .containsEntry("job-name", "render");
        assertThat(pod.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
            assertThat(owner.getUid()).isEqualTo(job.getMetadata().getUid());
            assertThat(owner.getController()).isTrue();
            assertThat(owner.getBlockOwnerDeletion()).isTrue();
        });
        assertThat(pod.getMetadata().getFinalizers()).containsExactly(JobController.TRACKING_FINALIZER);
        assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("worker:1");
        assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(jobs.sync("render").getMetadata().getName()).as("one pod at a time").isEqualTo(pod.getMetadata().getName());
        assertThat(job("render").getStatus().getActive()).isEqualTo(1);
        assertThat(events("render")).extracting(Event::getReason).containsExactly("SuccessfulCreate");
    }

    /** "Pod backoff failure policy": the Job fails once failed pods exceed backoffLimit; "Terminal Job conditions". */
    @Test
    void failuresBeyondTheBackoffLimitFailTheJob() {
        create("crashy", spec -> spec.withBackoffLimit(1));
        kubelet.terminated(kubelet.run(jobs.sync("crashy"), "node-1"), 1, "Error");
        Pod second = jobs.sync("crashy");
        assertThat(job("crashy").getStatus().getFailed()).isEqualTo(1);
        assertThat(second).as("replacement").isNotNull();
        kubelet.terminated(kubelet.run(second, "node-1"), 137, "OOMKilled");
        assertThat(jobs.sync("crashy")).isNull();
        Job failed = job("crashy");
        assertThat(failed.getStatus().getFailed()).isEqualTo(2);
        assertThat(condition(failed, "FailureTarget").getReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(condition(failed, "Failed").getReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(pods("crashy")).hasSize(2).allSatisfy(p -> assertThat(p.getMetadata().getFinalizers()).isEmpty());
    }

    /** The backoff limit defaults to 6. */
    @Test
    void theBackoffLimitDefaultsToSix() {
        create("default", spec -> spec.withBackoffLimit(null));
        for (int i = 0; i < 7; i++) {
            kubelet.terminated(kubelet.run(jobs.sync("default"), "node-1"), 1, "Error");
        }
        assertThat(jobs.sync("default")).isNull();
        assertThat(condition(job("default"), "Failed").getReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(pods("default")).hasSize(7);
    }

    /** "Pod failure policy": rules in order, FailJob ends the Job at once with a message naming the rule. */
    @Test
    void aFailJobRuleFailsTheJobAtOnce() {
        create("broken", spec -> spec.withBackoffLimit(5));
        Pod pod = kubelet.run(jobs.sync("broken"), "node-1");
        kubelet.terminated(pod, 65, "Error");
        assertThat(jobs.sync("broken")).isNull();
        JobCondition failed = condition(job("broken"), "Failed");
        assertThat(failed.getReason()).isEqualTo("PodFailurePolicy");
        assertThat(failed.getMessage()).isEqualTo("Container worker for pod sim/" + pod.getMetadata().getName()
                + " failed with exit code 65 matching FailJob rule at index 2");
        assertThat(job("broken").getStatus().getFailed()).isZero();
    }

    /** "Pod failure policy": Ignore on DisruptionTarget or an exit code neither counts nor stops replacement. */
    @Test
    void ignoredFailuresDoNotCountAndThePodIsReplaced() {
        create("spot", spec -> spec.withBackoffLimit(0));
        Pod preempted = kubelet.disrupt(kubelet.run(jobs.sync("spot"), "node-1"), "PreemptionByScheduler", "preempted");
        assertThat(preempted.getStatus().getPhase()).as("SIGTERM: the clean stop").isEqualTo("Failed");
        assertThat(preempted.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(CLEAN_STOP);
        Pod second = jobs.sync("spot");
        assertThat(second).isNotNull();
        assertThat(client.pods().inNamespace(NS).withName(preempted.getMetadata().getName()).get())
                .as("the deleted pod goes once counted").isNull();
        kubelet.terminated(kubelet.run(second, "node-2"), CLEAN_STOP, "Error");
        assertThat(jobs.sync("spot")).isNotNull();
        assertThat(job("spot").getStatus().getFailed()).isZero();
        assertThat(condition(job("spot"), "Failed")).isNull();
    }

    /** Exit code 0 never satisfies an onExitCodes rule, even with NotIn. */
    @Test
    void aSucceededPodCompletesTheJob() {
        create("fine", spec -> spec);
        kubelet.terminated(kubelet.run(jobs.sync("fine"), "node-1"), 0, "Completed");
        assertThat(jobs.sync("fine")).isNull();
        Job done = job("fine");
        assertThat(done.getStatus().getSucceeded()).isEqualTo(1);
        assertThat(done.getStatus().getFailed()).isZero();
        assertThat(condition(done, "SuccessCriteriaMet")).isNotNull();
        assertThat(condition(done, "Complete")).isNotNull();
        assertThat(done.getStatus().getCompletionTime()).isNotNull();
    }

    /** "Suspending a Job": active pods get SIGTERM, their ends are counted by the policy; resuming resets startTime. */
    @Test
    void suspendStopsThePodAndResumeStartsANewOneWithANewStartTime() {
        create("pausable", spec -> spec);
        Pod running = kubelet.run(jobs.sync("pausable"), "node-1");
        String started = job("pausable").getStatus().getStartTime();
        suspend("pausable", true);
        assertThat(jobs.sync("pausable")).isNull();
        kubelet.sync();
        Pod stopped = client.pods().inNamespace(NS).withName(running.getMetadata().getName()).get();
        assertThat(stopped.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(stopped.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(condition(job("pausable"), "Suspended").getReason()).isEqualTo("JobSuspended");
        assertThat(job("pausable").getStatus().getStartTime()).as("kept while suspended").isEqualTo(started);

        assertThat(jobs.sync("pausable")).as("no pod while suspended").isNull();
        assertThat(client.pods().inNamespace(NS).withName(running.getMetadata().getName()).get()).isNull();
        suspend("pausable", false);
        Pod resumed = jobs.sync("pausable");
        assertThat(resumed).isNotNull();
        Job job = job("pausable");
        assertThat(job.getStatus().getStartTime()).isGreaterThan(started);
        assertThat(job.getStatus().getConditions()).filteredOn(c -> "Suspended".equals(c.getType()))
                .singleElement().satisfies(c -> assertThat(c.getStatus()).isEqualTo("False"));
        assertThat(job.getStatus().getFailed()).as("exit 75 is ignored by the policy").isZero();
        assertThat(events("pausable")).extracting(Event::getReason).contains("Suspended", "Resumed");
    }

    /** A pending pod that was never scheduled and is deleted fails with the pod GC's DisruptionTarget. */
    @Test
    void aDeletedUnscheduledPodFailsAsDisrupted() {
        create("queued", spec -> spec.withBackoffLimit(0));
        Pod pending = jobs.sync("queued");
        suspend("queued", true);
        jobs.sync("queued");
        kubelet.sync();
        Pod gone = client.pods().inNamespace(NS).withName(pending.getMetadata().getName()).get();
        assertThat(gone.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(gone.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("DisruptionTarget");
            assertThat(c.getReason()).isEqualTo("DeletionByPodGC");
        });
        suspend("queued", false);
        assertThat(jobs.sync("queued")).isNotNull();
        assertThat(job("queued").getStatus().getFailed()).isZero();
    }

    /** "Pod replacement policy" Failed: no replacement while the old pod terminates. */
    @Test
    void aTerminatingPodIsReplacedOnlyOnceItHasEnded() {
        create("slow-stop", spec -> spec);
        Pod pod = kubelet.run(jobs.sync("slow-stop"), "node-1");
        client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).delete();
        assertThat(jobs.sync("slow-stop")).as("still terminating").isNull();
        assertThat(job("slow-stop").getStatus().getTerminating()).isEqualTo(1);
        kubelet.sync();
        assertThat(jobs.sync("slow-stop")).isNotNull();
    }

    /** "Suspending a Job": the activeDeadlineSeconds timer stops while suspended and starts again at resumption. */
    @Test
    void timeSuspendedDoesNotCountTowardsTheActiveDeadline() {
        create("patient", spec -> spec.withActiveDeadlineSeconds(600L));
        kubelet.run(jobs.sync("patient"), "node-1");
        suspend("patient", true);
        jobs.sync("patient");
        kubelet.sync();
        clock.advance(Duration.ofSeconds(3600));
        jobs.sync("patient");
        suspend("patient", false);
        assertThat(jobs.sync("patient")).isNotNull();
        assertThat(condition(job("patient"), "FailureTarget")).isNull();
        clock.advance(Duration.ofSeconds(600));
        assertThat(jobs.sync("patient")).isNull();
        assertThat(condition(job("patient"), "FailureTarget").getReason()).isEqualTo("DeadlineExceeded");
    }

    /** "Job termination and cleanup": activeDeadlineSeconds from startTime; running pods terminated; DeadlineExceeded. */
    @Test
    void theActiveDeadlineFailsTheJobOnceItsPodsHaveEnded() {
        create("late", spec -> spec.withActiveDeadlineSeconds(600L));
        kubelet.run(jobs.sync("late"), "node-1");
        clock.advance(Duration.ofSeconds(500));
        assertThat(jobs.sync("late")).isNotNull();
        clock.advance(Duration.ofSeconds(100));
        assertThat(jobs.sync("late")).isNull();
        assertThat(condition(job("late"), "FailureTarget").getReason()).isEqualTo("DeadlineExceeded");
        assertThat(condition(job("late"), "Failed")).as("not before the pod has ended").isNull();
        kubelet.sync();
        jobs.sync("late");
        JobCondition failed = condition(job("late"), "Failed");
        assertThat(failed.getReason()).isEqualTo("DeadlineExceeded");
        assertThat(failed.getMessage()).isEqualTo("Job was active longer than specified deadline");
    }

    /** "Controlling parallelism": a pod that admission refuses is a FailedCreate Event; created once it is allowed. */
    @Test
    void aPodRefusedByAdmissionIsAFailedCreateEventAndIsRetried() {
        create("urgent", spec -> spec.editTemplate().editSpec().withPriorityClassName("render-high").endSpec().endTemplate());
        assertThat(jobs.sync("urgent")).isNull();
        assertThat(events("urgent")).singleElement().satisfies(e -> {
            assertThat(e.getReason()).isEqualTo("FailedCreate");
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getMessage()).startsWith("Error creating: pods \"urgent-").endsWith("no PriorityClass with name render-high was found");
        });
        client.scheduling().v1().priorityClasses().resource(new PriorityClassBuilder().withNewMetadata()
                .withName("render-high").endMetadata().withValue(1000).build()).create();
        assertThat(jobs.sync("urgent")).isNotNull();
    }

    /** Pods belong to a Job by its uid: a Job created again under the same name does not count the earlier one's pods. */
    @Test
    void aJobCreatedAgainUnderTheSameNameIgnoresTheEarlierPods() {
        create("again", spec -> spec);
        Pod old = kubelet.run(jobs.sync("again"), "node-1");
        kubelet.terminated(old, 0, "Completed");
        client.batch().v1().jobs().inNamespace(NS).withName("again").delete();
        create("again", spec -> spec);
        Pod fresh = jobs.sync("again");
        assertThat(fresh.getMetadata().getName()).isNotEqualTo(old.getMetadata().getName());
        assertThat(condition(job("again"), "Complete")).isNull();
        assertThat(job("again").getStatus().getSucceeded()).isZero();
    }

    /** TTL mechanism for finished Jobs: deleted ttlSecondsAfterFinished after finishing, with its pods (garbage collector). */
    @Test
    void aFinishedJobIsDeletedWhenItsTtlRunsOutAndItsPodsWithIt() {
        create("brief", spec -> spec.withTtlSecondsAfterFinished(100));
        kubelet.terminated(kubelet.run(jobs.sync("brief"), "node-1"), 0, "Completed");
        jobs.sync("brief");
        TtlAfterFinishedController ttl = new TtlAfterFinishedController(client, NS, clock);
        GarbageCollector gc = new GarbageCollector(client, NS, Map.of());
        ttl.sync();
        assertThat(job("brief")).isNotNull();
        clock.advance(Duration.ofSeconds(100));
        ttl.sync();
        assertThat(job("brief")).isNull();
        assertThat(gc.collect()).isTrue();
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    }

    /** A running pod of a deleted Job is stopped, and goes once the Job controller lets go of its finalizer. */
    @Test
    void thePodsOfADeletedJobAreStoppedAndRemoved() {
        create("doomed", spec -> spec);
        kubelet.run(jobs.sync("doomed"), "node-1");
        client.batch().v1().jobs().inNamespace(NS).withName("doomed").delete();
        new GarbageCollector(client, NS, Map.of()).collect();
        assertThat(client.pods().inNamespace(NS).list().getItems()).singleElement()
                .satisfies(p -> assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull());
        kubelet.sync();
        jobs.releaseOrphans();
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    }

    @Test
    void jobShapesItDoesNotSimulateAreRefused() {
        create("parallel", spec -> spec.withParallelism(2));
        assertThatThrownBy(() -> jobs.sync("parallel")).hasMessageContaining("one pod at a time");
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** A Job with the pod failure policy an operator like ours gives its worker. */
    private Job create(String name, UnaryOperator<io.fabric8.kubernetes.api.model.batch.v1.JobSpecFluent<?>> customize) {
        JobBuilder builder = new JobBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata();
        var spec = builder.withNewSpec().withBackoffLimit(3).withPodReplacementPolicy("Failed")
                .withNewPodFailurePolicy()
                .addNewRule().withAction("Ignore").addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition().endRule()
                .addNewRule().withAction("Ignore").withNewOnExitCodes().withContainerName("worker").withOperator("In").withValues(CLEAN_STOP).endOnExitCodes().endRule()
                .addNewRule().withAction("FailJob").withNewOnExitCodes().withContainerName("worker").withOperator("In").withValues(65).endOnExitCodes().endRule()
                .addNewRule().withAction("Count").withNewOnExitCodes().withContainerName("worker").withOperator("NotIn").withValues(65).endOnExitCodes().endRule()
                .endPodFailurePolicy()
                .withNewTemplate().withNewMetadata().addToLabels("app", "worker").endMetadata()
                .withNewSpec().withRestartPolicy("Never").addNewContainer().withName("worker").withImage("worker:1").endContainer().endSpec()
                .endTemplate();
        customize.apply(spec);
        spec.endSpec();
        return client.resource(builder.build()).create();
    }

    private Job job(String name) {
        return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
    }

    private List<Pod> pods(String job) {
        return client.pods().inNamespace(NS).withLabel("job-name", job).list().getItems();
    }

    private void suspend(String name, boolean suspend) {
        client.batch().v1().jobs().inNamespace(NS).withName(name).edit(j -> {
            j.getSpec().setSuspend(suspend);
            return j;
        });
    }

    private List<Event> events(String job) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> job.equals(e.getInvolvedObject().getName())).toList();
    }

    private static JobCondition condition(Job job, String type) {
        return job.getStatus().getConditions() == null ? null : job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst().orElse(null);
    }
}
