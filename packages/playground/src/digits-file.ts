/** The digits asset's file name, shared by the Vite plugin that writes it and the worker that fetches it. */
export const DIGITS_FILE = 'mnist-digits.bin.gz';
