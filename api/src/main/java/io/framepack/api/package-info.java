/** The VideoGeneration custom resource and the contract between the operator and the worker. */
package io.framepack.api;
