/**
 * Prompt conditioning: the HunyuanVideo prompt template, tokenisation with the checkpoint's
 * tokenizer files (DJL's Hugging Face tokenizers), the LLaMA encoder read at
 * {@code hidden_states[-3]} with the template crop and 512 padding, and CLIP-L's pooled output —
 * together a {@link io.framepack.worker.text.PromptEmbedding}. Configs come from the checkpoints'
 * {@code config.json}, so the tiny golden towers and the released 8 B / CLIP-L ones run the same code.
 */
package io.framepack.worker.text;
