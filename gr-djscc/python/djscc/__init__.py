"""gr-djscc: SNR-adaptive deep joint source-channel coding of images over GNU Radio.

Sub-packages: ``djscc.nn`` (PyTorch models, channels, model zoo), ``djscc.phy`` (numpy
DSP, no GNU Radio import), ``djscc.blocks`` (GNU Radio blocks, thin glue).
"""

__version__ = "0.1.0"
