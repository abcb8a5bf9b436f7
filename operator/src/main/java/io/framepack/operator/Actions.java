package io.framepack.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.framepack.api.v1alpha1.VideoGeneration;
import io.framepack.api.worker.WorkerJob;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import org.jboss.logging.Logger;

import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/** Carries out a {@link Decision}: creates or changes cluster objects and records Events. */
final class Actions {
    private static final Logger LOG = Logger.getLogger(Actions.class);

    private final WorkerObjects objects;
    private final EventBudget eventBudget = new EventBudget();

    Actions(WorkerObjects objects) {
        this.objects = objects;
    }

    /**
     * The changes to cluster objects; the Events come after the status is written ({@link #announce}).
     *
     * @return why the API server refused to create the worker's objects, or null
     */
    String execute(VideoGeneration vg, Decision decision, Context<VideoGeneration> context) {
        for (Decision.Action action : decision.actions()) {
            if (action instanceof Decision.CreateWorker create) {
                try {
                    createWorker(vg, create.from(), context);
                } catch (CreateRefused refused) {
                    return refused.getMessage();
                }
            } else if (action instanceof Decision.SetJobSuspended suspend) {
                patchJob(vg, context, job -> job.getSpec().setSuspend(suspend.suspended()));
            } else if (action instanceof Decision.SetJobTtl ttl) {
                patchJob(vg, context, job -> job.getSpec().setTtlSecondsAfterFinished(ttl.ttlSecondsAfterFinished()));
            }
        }
        return null;
    }

    /** The API server refused to create one of the worker's objects. */
    private static final class CreateRefused extends RuntimeException {
        CreateRefused(HasMetadata wanted, KubernetesClientException cause) {
            super(wanted.getKind() + " " + wanted.getMetadata().getName() + ": " + (cause.getStatus() != null
                    && cause.getStatus().getMessage() != null ? cause.getStatus().getMessage() : cause.getMessage()), cause);
        }
    }

    /** The Job the decision saw: the one this resource controls. */
    private static void patchJob(VideoGeneration vg, Context<VideoGeneration> context, Consumer<Job> change) {
        Job own = context.getSecondaryResources(Job.class).stream()
                .filter(job -> Names.job(vg).equals(job.getMetadata().getName()) && Observer.controlledBy(job, vg))
                .findFirst().orElseThrow();
        context.resourceOperations().jsonPatch(own, job -> {
            change.accept(job);
            return job;
        });
    }

    /** Everything but the Job first, so the pod never starts without its ConfigMaps and ServiceAccount. */
    private void createWorker(VideoGeneration vg, WorkerJob.RerollFrom from, Context<VideoGeneration> context) {
        KubernetesClient client = context.getClient();
        createOwned(vg, client, objects.serviceAccount(vg), () -> client.resource(objects.serviceAccount(vg)).create());
        createOwned(vg, client, objects.role(vg), () -> client.resource(objects.role(vg)).create());
        createOwned(vg, client, objects.roleBinding(vg), () -> client.resource(objects.roleBinding(vg)).create());
        createOwned(vg, client, objects.jobConfigMap(vg, from), () -> client.resource(objects.jobConfigMap(vg, from)).create());
        createOwned(vg, client, objects.progressConfigMap(vg), () -> client.resource(objects.progressConfigMap(vg)).create());
        // Through the operator's own operations, so the Job is in the cache at once and a
        // reconcile that follows immediately cannot create it a second time.
        Job job = objects.job(vg);
        createOwned(vg, client, job, () -> context.resourceOperations().create(job));
    }

    /**
     * Runs a create; an object of that name already there (HTTP 409) is fine only if this very
     * resource controls it (an earlier reconcile made it). Anything else is not adopted: the next
     * reconcile sees it and waits for it to go.
     */
    private static void createOwned(VideoGeneration vg, KubernetesClient client, HasMetadata wanted, Runnable create) {
        try {
            create.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw new CreateRefused(wanted, e);
            }
            HasMetadata existing = client.resource(wanted).get();
            if (existing != null && !Observer.controlledBy(existing, vg)) {
                throw new IllegalStateException(wanted.getKind() + " " + wanted.getMetadata().getName()
                        + " already exists and belongs to something else; it is not adopted", e);
            }
        }
    }

    /** Records the notices as Events, within the resource's {@link EventBudget}. */
    void announce(KubernetesClient client, VideoGeneration vg, List<Decision.Notice> notices) {
        for (Decision.Notice notice : notices) {
            if (eventBudget.take(vg.getMetadata().getUid(), Instant.now())) {
                event(client, vg, notice);
            } else {
                LOG.debugf("Event %s on %s/%s dropped: over the Event budget", notice.reason(),
                        vg.getMetadata().getNamespace(), vg.getMetadata().getName());
            }
        }
    }

    /** Best effort: a lost Event must not fail the reconcile. */
    private static void event(KubernetesClient client, VideoGeneration vg, Decision.Notice notice) {
        String now = Instant.now().toString();
        String message = notice.message() == null ? "" : Bounded.text(notice.message(), Bounded.MESSAGE);
        try {
            client.v1().events().inNamespace(vg.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata()
                    .withName(vg.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
                    .withNamespace(vg.getMetadata().getNamespace())
                    .endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(vg.getApiVersion())
                            .withKind(vg.getKind()).withName(vg.getMetadata().getName())
                            .withNamespace(vg.getMetadata().getNamespace()).withUid(vg.getMetadata().getUid())
                            .build())
                    .withType(notice.warning() ? "Warning" : "Normal")
                    .withReason(notice.reason())
                    .withMessage(message)
                    .withFirstTimestamp(now)
                    .withLastTimestamp(now)
                    .withCount(1)
                    .withNewSource().withComponent(Names.OPERATOR_NAME).endSource()
                    .withReportingComponent("framepack.io/" + Names.OPERATOR_NAME)
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("Could not record event %s on %s: %s", notice.reason(), vg.getMetadata().getName(), e.getMessage());
        }
    }
}
