#pragma once
/** @file File > Export for PyTorch: the window's model as safetensors in torch.nn's names,
 *  with its JSON config beside it (core/train/torch_export.h, docs/PYTORCH.md). */
#include <functional>

#include <QString>

class QWidget;

namespace moe::ui {

class SessionController;

/** Writes the current model to `path` (and its config beside it) between two steps; returns ""
 *  when written, else what went wrong (no model yet, a file that cannot be written). */
QString exportForPytorch(SessionController& controller, const QString& path);

/** Asks for a file, exports, and tells `report` (message, error) how it went. */
void exportForPytorchDialog(QWidget* parent, SessionController& controller,
                            const std::function<void(const QString&, bool)>& report);

}  // namespace moe::ui
