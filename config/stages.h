// The names of the sweep's stages and of the ablation's variants, as trial files and the sweep manifest
// record them (the `stage` and `variant` attributes). Declared once, here: the sweep file's `sweep.stages`
// parser, the planner that writes them and the report that reads them all use these, so a renamed stage
// cannot leave the report looking for the old name.
#pragma once

namespace dts::config {

inline constexpr char kStageSearch[] = "search";
inline constexpr char kStageFinal[] = "final";
inline constexpr char kStageAblation[] = "ablation";
// In the order they run (sweep.stages must list them in this order).
inline constexpr const char* kStages[] = {kStageSearch, kStageFinal, kStageAblation};

// An ablation variant: the best search configuration with its NER- and/or RE-specific layers removed (and
// shared layers added back to the same parameter count).
struct AblationVariant {
  const char* name;
  bool drop_ner;
  bool drop_re;
};
inline constexpr char kVariantBaseline[] = "baseline";
// The baseline first, then the variants in the order the planner plans them and the report lists them.
inline constexpr AblationVariant kAblationVariants[] = {{kVariantBaseline, false, false},
                                                        {"no_ner_specific", true, false},
                                                        {"no_re_specific", false, true},
                                                        {"no_task_specific", true, true}};

}  // namespace dts::config
