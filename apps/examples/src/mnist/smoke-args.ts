/**
 * The MNIST smoke run of the tests (3 epochs of 6 batches of 32 digits, a small GRU); docs/examples.md
 * shows this command line, and a test checks that it does.
 */
export const MNIST_SMOKE_ARGS: readonly string[] = ['--epochs', '3', '--max-batches', '6', '--batch-size', '32', '--hidden', '32', '--lr', '0.02', '--seed', '7'];
