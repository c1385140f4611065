// Fixture for the layer check (never compiled).
#pragma once
