"""Net2Wider (Chen et al., "Net2Net", ICLR 2016) for the DJSCC family: a trained model
copied into a wider one that computes the same function, so a larger model starts where the
small one stopped instead of from scratch.

Every hidden layer of width w becomes r*w (r a whole number per layer): each channel is
repeated r times and the next layer's weights from the copies share the old weight (they sum
to it), so the sum the next layer forms is unchanged. The attention modules keep their output
too: the channel attention's MLP is widened the same way, and the spatial attention's mean
over channels is the same over r identical copies of every channel. Copies that share a
weight equally get identical gradients forever, so ``noise`` (a fraction of the weight
tensor's standard deviation) shares it unequally: random shares that still sum to it, so the
wide model's output stays exactly its source's.
"""

import torch
from torch import nn

from djscc.errors import ModelFileError
from djscc.nn.models import JSCCModel


def widened(model: JSCCModel, widths: tuple[int, ...], noise: float = 0.0,
            generator: torch.Generator | None = None) -> JSCCModel:
    """A copy of ``model`` with hidden widths ``widths`` (each a whole multiple of the old
    one, same depth) that computes the same images; ``noise``: see the module's docstring."""
    old_widths = tuple(model.config.widths)
    widths = tuple(widths)
    if len(widths) != len(old_widths) or any(new % old for new, old in zip(widths, old_widths)):
        raise ModelFileError(f"cannot widen widths {old_widths} to {widths}: each must be a whole "
                             "multiple of the old one, at the same depth")
    config = type(model.config)(**{**model.config.to_dict(), "widths": widths})
    wide = JSCCModel(config)
    wide.architecture = getattr(model, "architecture", None)
    latent_in = model.decoder_layers[0].conv.in_channels
    encoder_sizes = list(zip((3,) + old_widths, old_widths + (config.latent_channels,)))
    decoder_sizes = list(zip((latent_in,) + old_widths[::-1], old_widths[::-1] + (3,)))
    with torch.no_grad():
        for layers, wide_layers, sizes in ((model.encoder_layers, wide.encoder_layers, encoder_sizes),
                                           (model.decoder_layers, wide.decoder_layers, decoder_sizes)):
            for layer, wide_layer, (cin, cout) in zip(layers, wide_layers, sizes):
                _widen_layer(layer, wide_layer, cin, cout, noise, generator)
    return wide


def _widen_layer(layer, wide_layer, cin: int, cout: int, noise: float, generator) -> None:
    conv, wide_conv = layer.conv, wide_layer.conv
    # Conv2d weights are (out, in, k, k); ConvTranspose2d's are (in, out, k, k).
    out_dim, in_dim = (1, 0) if isinstance(conv, nn.ConvTranspose2d) else (0, 1)
    source_out = _sources(cout, wide_conv.weight.shape[out_dim])
    weight = _shared(conv.weight, in_dim, _sources(cin, wide_conv.weight.shape[in_dim]), noise, generator)
    wide_conv.weight.copy_(weight.index_select(out_dim, source_out))
    wide_conv.bias.copy_(conv.bias[source_out])
    wide_layer.activation.load_state_dict(layer.activation.state_dict())
    if layer.channel_attention is not None:
        _widen_channel_attention(layer.channel_attention, wide_layer.channel_attention, source_out,
                                 noise, generator)
    if layer.spatial_attention is not None:
        wide_layer.spatial_attention.load_state_dict(layer.spatial_attention.state_dict())


def _widen_channel_attention(attention, wide_attention, source, noise: float, generator) -> None:
    wide_attention.csi_embedding.weight.copy_(attention.csi_embedding.weight[source])
    wide_attention.csi_embedding.bias.copy_(attention.csi_embedding.bias[source])
    for index, module in enumerate(attention.mlp):
        wide_module = wide_attention.mlp[index]
        if isinstance(module, nn.Linear):
            wide_module.weight.copy_(_shared(module.weight, 1, source, noise, generator)[source])
            wide_module.bias.copy_(module.bias[source])
        else:
            wide_module.load_state_dict(module.state_dict())


def _sources(old: int, new: int) -> torch.Tensor:
    """Which old channel each of the ``new`` channels copies: 0..old-1, r times over."""
    return torch.arange(new) % old


def _shared(weight: torch.Tensor, dim: int, source: torch.Tensor, noise: float, generator) -> torch.Tensor:
    """``weight`` with its input dimension ``dim`` widened to the copies ``source``: each old
    weight shared among its r copies, equally, or with ``noise`` in random shares that still
    sum to it (the copies see the same input, so the layer's output is unchanged)."""
    old = weight.shape[dim]
    copies = len(source) // old
    shared = weight.index_select(dim, source) / copies
    if not noise or copies == 1:
        return shared
    jitter = torch.randn(shared.shape, generator=generator, dtype=shared.dtype)
    group_shape = list(shared.shape)
    group_shape[dim] = old
    group_mean = torch.zeros(group_shape, dtype=shared.dtype).index_add_(dim, source, jitter) / copies
    jitter -= group_mean.index_select(dim, source)  # zero sum over each channel's copies
    return shared + noise * weight.std(unbiased=False) * jitter
