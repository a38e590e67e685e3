//! Host-side bindings of the `liaison:brand` world, one module per supported WIT version.
//! A later `@0.2` gets a module of its own beside this one, and the runtime picks the module
//! that matches the version a package targets, so `@0.1` plugins keep working unchanged.

pub mod v0_1 {
    wasmtime::component::bindgen!({
        world: "brand",
        path: "../../wit",
        imports: { default: async },
        exports: { default: async },
    });
}
