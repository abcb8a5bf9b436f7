package io.framepack.worker.cli;

import io.framepack.api.worker.ExitCode;
import io.framepack.worker.runtime.Renderer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.util.Map;

/**
 * {@code framepack-worker}: {@code generate} renders locally, {@code run} is the in-cluster entry
 * point driven by what the operator mounts into the pod, {@code bench} measures.
 */
@Command(name = "framepack-worker", mixinStandardHelpOptions = true, versionProvider = WorkerCli.Version.class,
        description = "FramePack image-to-video renders that survive being killed.",
        subcommands = {GenerateCommand.class, RunCommand.class, BenchCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:the video was written",
                "1:unexpected failure (storage, rendering); a retry may succeed",
                "2:invalid command line (the usage is printed)",
                "65:invalid input, model or checkpoint identity; a retry cannot succeed",
                "75:stopped by SIGTERM/SIGINT after a clean stop; the last finished section is checkpointed"})
public final class WorkerCli {
    private final Renderer renderer;
    private final Map<String, String> env;

    /**
     * @param renderer opens the render of a plan
     * @param env    the process environment ({@code run} is configured by it)
     */
    public WorkerCli(Renderer renderer, Map<String, String> env) {
        this.renderer = renderer;
        this.env = env;
    }

    /** Read by slf4j-simple when the first logger is made, which is after the command line is parsed. */
    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Also show the log lines of the libraries beneath the worker (DJL, libtorch).")
    void verbose(boolean verbose) {
        if (verbose) {
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "info");
        }
    }

    /** Parses and runs; returns the process exit code. */
    public int execute(String... args) {
        return new CommandLine(this, new Factory(this))
                .setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException
                        ? ExitCode.USAGE.code : ExitCode.FAILURE.code)
                .execute(args);
    }

    /** Hands the renderer to the sub-commands picocli instantiates. */
    private record Factory(WorkerCli cli) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == GenerateCommand.class) {
                return type.cast(new GenerateCommand(cli.renderer));
            }
            if (type == RunCommand.class) {
                return type.cast(new RunCommand(cli.renderer, cli.env));
            }
            return CommandLine.defaultFactory().create(type);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = WorkerCli.class.getPackage().getImplementationVersion();
            return new String[] {"framepack-worker " + (version == null ? "(development build)" : version)};
        }
    }
}
