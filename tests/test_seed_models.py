"""The seed systems beside DA-DJSCC: AttenJSCC, LSSC, the gated multi-task JSCC, the classifier."""

import pytest
import torch

from djscc.nn import zoo
from djscc.nn.attenjscc import GDN
from djscc.nn.channels import AWGNChannel, ChannelState
from djscc.nn.gated import rate_reduction

CODECS = {"attenjscc": {"filters": 8, "eaf_reduction": 4}, "lssc": {}, "gated-jscc": {}}


@pytest.mark.parametrize("architecture", sorted(CODECS))
@pytest.mark.parametrize("size", [(32, 32), (44, 52)])
def test_codec_round_trip_keeps_shape_power_and_learns(architecture, size):
    torch.manual_seed(0)
    model = zoo.build(architecture, **CODECS[architecture])
    images = torch.rand(4, 3, *size)
    state = ChannelState.awgn(torch.tensor([0.0, 5.0, 10.0, 20.0]))
    symbols = model.encode(images, state)
    sent = model.symbols_sent(state, *size)
    assert symbols.shape == (4, model.symbols_per_image(*size))
    power = torch.stack([symbols[i, :sent[i]].abs().square().mean() for i in range(4)])
    assert torch.allclose(power, torch.ones(4), atol=1e-4)
    assert model.decode(symbols, state, size).shape == images.shape
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    images = torch.rand(8, 3, 32, 32).round()  # learnable: a fixed batch
    losses = []
    for _ in range(15):
        loss, _ = model.training_loss(images, torch.arange(8) % 2, AWGNChannel(), torch.full((8,), 10.0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_attenjscc_table1_configuration_is_the_papers_size():
    model = zoo.build("attenjscc")  # Table 1: 256 filters, C = 8
    assert model.symbols_per_image(32, 32) == 256  # k/n = 1/12
    assert 20e6 < sum(p.numel() for p in model.parameters()) < 23e6


def test_gdn_normalizes_and_its_inverse_undoes_it():
    x = torch.randn(2, 4, 5, 5)
    forward, inverse = GDN(4), GDN(4, inverse=True)
    y = forward(x)
    assert y.abs().mean() < x.abs().mean()
    # with the same (initial) parameters and gamma = 0, IGDN(GDN(x)) = x exactly
    for layer in (forward, inverse):
        layer.gamma_root.data.zero_()
    assert torch.allclose(inverse(forward(x)), x, atol=1e-5)


def test_rate_reduction_prefers_separated_classes():
    labels = torch.arange(64) % 2
    mixed = torch.nn.functional.normalize(torch.randn(64, 8), dim=1)
    separated = torch.zeros(64, 8)
    separated[labels == 0, :4] = torch.randn(32, 4)
    separated[labels == 1, 4:] = torch.randn(32, 4)
    separated = torch.nn.functional.normalize(separated, dim=1)
    assert rate_reduction(separated, labels, 2) > rate_reduction(mixed, labels, 2)


def test_gated_model_sends_fewer_symbols_in_a_bad_channel(gated_model_path):
    model, _ = zoo.load(gated_model_path)
    state = ChannelState.awgn(torch.tensor([0.0, 20.0]))
    assert model.symbols_sent(state, 32, 32).tolist() == [64, 256]
    assert model.accepts_symbol_count(64, 32, 32) and not model.accepts_symbol_count(65, 32, 32)
    symbols = model.encode(torch.rand(2, 3, 32, 32), state)
    assert torch.count_nonzero(symbols[0, 64:]) == 0
    assert model.decode(symbols[:1, :64], ChannelState.awgn(torch.tensor([0.0])), (32, 32)).shape == (1, 3, 32, 32)
    assert model.classify(symbols, (32, 32)).shape == (2,)


def test_gated_model_sends_a_channel_only_where_it_is_predicted_to_earn_its_db():
    state = ChannelState.awgn(torch.tensor([0.0, 20.0]))
    free, costly = zoo.build("gated-jscc", db_per_channel=0.0), zoo.build("gated-jscc", db_per_channel=50.0)
    assert free.kept_channels(state).tolist() == [8, 8]  # every channel is predicted to add > 0 dB
    assert costly.kept_channels(state).tolist() == [1, 1]
    predicted = free.predicted_psnr_db(state)
    assert (predicted.diff(dim=1) > 0).all()


def test_gated_training_teaches_the_gate_the_psnr_each_channel_count_gives():
    """The gate regresses the PSNR measured at the channel count drawn for each image."""
    torch.manual_seed(0)
    model = zoo.build("gated-jscc")
    images, snr_db = torch.rand(16, 3, 32, 32), torch.full((16,), 10.0)
    state = ChannelState.awgn(snr_db[:1])

    def gap() -> float:
        """|predicted - measured| PSNR (dB), sending all 8 channels at 10 dB."""
        with torch.no_grad():
            received, channel_state = model.transmit(images, AWGNChannel(), snr_db)
            output = model.decode(received, channel_state, (32, 32))
            measured = -10 * torch.log10((output - images).square().mean(dim=(1, 2, 3))).mean()
            return abs(model.predicted_psnr_db(state)[0, -1] - measured).item()

    before = gap()
    optimizer = torch.optim.Adam(model.gate.parameters(), lr=3e-2)
    for _ in range(150):
        loss, _ = model.training_loss(images, None, AWGNChannel(), snr_db)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert before > 2.0 and gap() < 0.5 * before


def test_classifier_learns_and_predicts_classes(tmp_path):
    model = zoo.build("classifier", widths=[8, 8, 16, 16])
    images, labels = torch.rand(16, 3, 32, 32), torch.arange(16) % 10
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(20):
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    model.eval()
    predicted = model.predict(images)
    assert predicted.shape == (16,) and predicted.min() >= 0 and predicted.max() < 10
    zoo.save(model, tmp_path / "c", {"name": "c"})
    loaded, _ = zoo.load(tmp_path / "c")
    assert torch.equal(loaded.predict(images), predicted)


def test_every_registered_architecture_saves_and_loads(tmp_path):
    for architecture in zoo.ARCHITECTURES:
        config = CODECS.get(architecture, {})
        model = zoo.build(architecture, **config)
        zoo.save(model, tmp_path / architecture, {"name": architecture})
        loaded, card = zoo.load(tmp_path / architecture)
        assert card["architecture"] == architecture
        for key, value in model.state_dict().items():
            assert torch.equal(loaded.state_dict()[key], value), key

