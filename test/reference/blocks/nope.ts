/** Reference: NoPE (Kazemnejad et al., 2023): no embedding term, no rotation, no bias. */
export const nope = {};
