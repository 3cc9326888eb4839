#pragma once
#include <vector>

#include <QString>

#include "ui/sessioncontroller.h"

namespace moe::ui {

class PlotView;

/** The marker group of live setting changes on the time plots (alarms are group 0). */
constexpr int kLiveChangeMarkers = 1;

/** A change's marker label: the setting's name, its old and its new value
 *  ("Learning rate 0.001 → 0.01"). */
QString liveChangeLabel(const SessionController::LiveChange& change);

/** Redraws the controller's live changes as markers on every plot of plots (replacing the
 *  ones drawn before; other markers stay). */
void markLiveChanges(const SessionController& controller, const std::vector<PlotView*>& plots);

}  // namespace moe::ui
