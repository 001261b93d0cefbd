add_executable(dts-train ${CMAKE_CURRENT_LIST_DIR}/dts_train.cc)
target_link_libraries(dts-train PRIVATE dts_worker Boost::program_options)
target_compile_options(dts-train PRIVATE ${DTS_WARNINGS})
target_precompile_headers(dts-train REUSE_FROM dts_model)
