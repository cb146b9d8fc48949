"""The environment ./run.sh builds: GNU Radio's bindings load beside this package's pins."""

import numpy


def test_gnuradio_imports_with_numpy_below_2():
    from gnuradio import blocks, gr

    assert numpy.__version__ < "2"
    top = gr.top_block()
    source = blocks.vector_source_c([1 + 1j, 2 - 1j])
    sink = blocks.vector_sink_c()
    top.connect(source, sink)
    top.run()
    assert sink.data() == [1 + 1j, 2 - 1j]
