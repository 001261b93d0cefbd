add_executable(model_throughput ${CMAKE_CURRENT_LIST_DIR}/model_throughput.cc)
target_link_libraries(model_throughput PRIVATE dts_model Boost::program_options)
target_compile_options(model_throughput PRIVATE ${DTS_WARNINGS})
target_precompile_headers(model_throughput REUSE_FROM dts_model)
