// Package train runs the training of a variational autoencoder on MNIST from
// a typed Config, the way the vae-train command does: it loads the data,
// builds the default MLP model, trains it epoch after epoch with a
// vae.Trainer, evaluates it on the test set after every epoch, and keeps an
// output folder up to date:
//
//	config.json          the Config of the run
//	metrics.jsonl        one Metrics object per epoch
//	model.ckpt           a vae.Checkpoint after every epoch
//	reconstructions.png  test digits above their reconstructions
//	samples.png          64 decoded samples from the prior (ancestral, from the top layer, for several layers)
//	loss.png             train and test loss per epoch
//	latent.png           the test set in latent space (2-D latents only)
//	manifold.png         the decoder over a grid of z (2-D latents only)
//	results.json         the final Results: numbers, configuration, overrides, command, machine, timing
//	results.md           the same as a one-row Markdown table
//
// A Preset is a named protocol from the literature (Presets, LookupPreset):
// pytorch-example, burda-vae and burda-iwae, and the two-layer burda2-vae
// and burda2-iwae (Config.Upper, a Stack, describes the stochastic layers
// above the first of a hierarchical model). Its Config runs it; fields
// changed from it are Config.Overrides, recorded with the command that
// reruns them (Config.Command) and the figure its source published
// (Preset.PublishedFor). Config.Budget trains a prefix of a long protocol.
//
// Every file is written atomically, so a run stopped at any point leaves
// whole files; Load and Saved.Resume continue a run from its checkpoint with
// bit-identical results.
//
// Results depend only on the Config: all randomness is seeded from
// Config.Seed, and evaluation draws from fixed seeds, so numbers compare
// across runs. Only the timing fields of Metrics and Results vary: two runs
// of a Config with the same build on the same machine write results.json
// files that are equal byte for byte but for their "timing" object.
package train
