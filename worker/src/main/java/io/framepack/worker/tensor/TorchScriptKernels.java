package io.framepack.worker.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import java.io.IOException;
import java.io.InputStream;

/**
 * The TorchScript kernel pack ({@value #RESOURCE}, written by {@code worker/kernels/make_kernel_pack.py}):
 * PyTorch's bfloat16 cast, fused scaled-dot-product attention (never materialises the score matrix
 * on a GPU), tanh GELU, group norm, replicate padding, pinned host memory and device copies of any
 * dtype, called through DJL's TorchScript support. The pack has no parameters,
 * so one instance serves every device.
 */
public final class TorchScriptKernels implements Kernels {
    /** Classpath location of the pack. */
    public static final String RESOURCE = "/io/framepack/worker/kernels/framepack-kernels.pt";

    private final NDManager manager;
    private final PtSymbolBlock module;

    private TorchScriptKernels(NDManager manager, PtSymbolBlock module) {
        this.manager = manager;
        this.module = module;
    }

    /**
     * Loads the pack from the classpath.
     *
     * @throws IOException if the resource is missing or unreadable
     * @throws ai.djl.engine.EngineException if libtorch cannot load it (e.g. an older file format)
     */
    public static TorchScriptKernels load() throws IOException {
        NDManager manager = NDManager.newBaseManager();
        try (InputStream in = TorchScriptKernels.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("kernel pack " + RESOURCE + " is not on the classpath");
            }
            return new TorchScriptKernels(manager, JniUtils.loadModule((PtNDManager) manager, in, false, false));
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public NDArray toBfloat16(NDArray x) {
        return call("to_bf16", x);
    }

    @Override
    public NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask) {
        return mask == null ? call("sdpa", q, k, v) : call("sdpa_masked", q, k, v, mask);
    }

    @Override
    public NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps) {
        return call("group_norm", x, IValue.from(groups), weight, bias, IValue.from((double) eps));
    }

    @Override
    public NDArray replicatePad(NDArray x, int front, int spatial) {
        // F.pad lists the last axis first: W both sides, H both sides, then T (front only).
        return call("replicate_pad", x, IValue.listFrom(spatial, spatial, spatial, spatial, front, 0));
    }

    @Override
    public boolean supportsBfloat16() {
        return true;
    }

    @Override
    public NDArray geluTanh(NDArray x) {
        return call("gelu_tanh", x);
    }

    @Override
    public boolean supportsGeluTanh() {
        return true;
    }

    /**
     * Runs a pack method on the first tensor and further arguments (tensors or ready IValues, which
     * this call closes); the result is attached to the first tensor's manager.
     */
    private NDArray call(String method, NDArray first, Object... rest) {
        IValue[] inputs = new IValue[rest.length + 1];
        for (int i = 0; i < rest.length; i++) {
            if (rest[i] instanceof IValue value) {
                inputs[i + 1] = value;
            }
        }
        try {
            inputs[0] = IValue.from((PtNDArray) first);
            for (int i = 0; i < rest.length; i++) {
                if (inputs[i + 1] == null) {
                    inputs[i + 1] = IValue.from((PtNDArray) rest[i]);
                }
            }
            try (IValue result = IValueUtils.runMethod(module, method, inputs)) {
                return result.toTensor((PtNDManager) first.getManager());
            }
        } finally {
            for (IValue input : inputs) {
                if (input != null) {
                    input.close();
                }
            }
        }
    }

    @Override
    public NDArray copyToDeviceOf(NDArray x, NDArray like) {
        return call("copy_to_device_of", x, like);
    }

    @Override
    public NDArray pinned(NDArray x) {
        return call("pin", x);
    }

    @Override
    public void close() {
        module.close();
        manager.close();
    }
}
