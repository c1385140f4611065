// A report header reaching up into the pipeline: the layer check must refuse this tree.
#pragma once
#include "pipeline/scan.hpp"
